import { PayXmlError } from '../errors/pay-xml.error';
import { parseWeChatXml } from './wechat-xml.codec';

const reason = (xml: string | Buffer, options?: Parameters<typeof parseWeChatXml>[1]) => {
  try {
    parseWeChatXml(xml, options);
  } catch (error) {
    return error instanceof PayXmlError ? error.reason : `not a PayXmlError: ${String(error)}`;
  }
  return 'parsed';
};

describe('parseWeChatXml', () => {
  it('reads simple elements as their text, CDATA and text alike', () => {
    expect(parseWeChatXml('<xml><A><![CDATA[a<b>&]]></A><B>1&amp;2</B><C></C><D><![CDATA[x]]>y</D></xml>')).toEqual({
      A: 'a<b>&',
      B: '1&2',
      C: '',
      D: 'xy',
    });
  });

  it('reads nested elements as objects and repeated ones as arrays in order', () => {
    const xml =
      '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><SubscribeMsgPopupEvent>' +
      '<List><TemplateId><![CDATA[t1]]></TemplateId><PopupScene>0</PopupScene></List>' +
      '<List><TemplateId><![CDATA[t2]]></TemplateId><PopupScene>0</PopupScene></List>' +
      '</SubscribeMsgPopupEvent></xml>';
    expect(parseWeChatXml(xml)).toEqual({
      ToUserName: 'gh_1',
      SubscribeMsgPopupEvent: {
        List: [
          { TemplateId: 't1', PopupScene: '0' },
          { TemplateId: 't2', PopupScene: '0' },
        ],
      },
    });
  });

  it("reads WeChat's documented safe-mode envelope with its whitespace", () => {
    const xml = '<xml>\n    <ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName>\n    <Encrypt><![CDATA[D7yz+/=]]></Encrypt>\n</xml>';
    expect(parseWeChatXml(xml)).toEqual({ ToUserName: 'gh_97417a04a28d', Encrypt: 'D7yz+/=' });
  });

  it('keeps an element called __proto__ as an ordinary field', () => {
    const parsed = parseWeChatXml('<xml><__proto__><polluted>yes</polluted></__proto__></xml>');
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reads an empty root as no fields', () => {
    expect(parseWeChatXml('<xml/>')).toEqual({});
    expect(parseWeChatXml('<xml> </xml>')).toEqual({});
  });

  it.each([
    ['<!DOCTYPE xml [<!ENTITY e "x">]><xml><a>&e;</a></xml>', 'DOCTYPE'],
    ['<xml><!-- c --><a>1</a></xml>', 'DOCTYPE'],
    ['<xml><a>&nbsp;</a></xml>', 'MALFORMED'],
    ['<xml><a>1</a>', 'MALFORMED'],
    ['<xml><a>1</a></xml><xml/>', 'MALFORMED'],
    ['<root><a>1</a></root>', 'NO_ROOT'],
    ['', 'NO_ROOT'],
    ['<xml><a id="1">1</a></xml>', 'NOT_FLAT'],
    ['<xml>text<a>1</a></xml>', 'NOT_FLAT'],
    ['<xml>just text</xml>', 'NOT_FLAT'],
    [`<xml>${'<a>'.repeat(40)}x${'</a>'.repeat(40)}</xml>`, 'NOT_FLAT'],
    ['<xml><a>\u0000</a></xml>', 'MALFORMED'],
  ])('refuses %j (%s)', (xml, expected) => {
    expect(reason(xml)).toBe(expected);
  });

  it('refuses a document over the size cap before parsing it', () => {
    expect(reason(`<xml><a>${'x'.repeat(100)}</a></xml>`, { maxBytes: 64 })).toBe('TOO_LARGE');
    expect(reason(Buffer.from([0x3c, 0x78, 0xff, 0x3e]))).toBe('MALFORMED');
  });
});
