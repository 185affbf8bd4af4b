import { PayXmlError } from '../errors/pay-xml.error';
import { buildPayXml, parseFlatPayXml, parseFullPayXml } from './pay-xml.codec';
import { pick, prng } from '../../test/utils/prng';
import { couponVector, notifyVector, randomKey, randomText, SAFE_PIECES } from './pay-xml.codec.spec-kit';

describe('the fast path and the full path (xml2js) agree', () => {
  /** Pieces of a document: the shape WeChat sends, and everything around it that the fast path must leave alone. */
  const SPACES = ['', ' ', '\n', '\t', '\r\n', '\u00a0', '  \n  '];
  const CONTENT = [
    ...SAFE_PIECES.filter((piece) => !/[<&]/.test(piece)),
    '&amp;',
    '&lt;',
    '&gt;',
    '&quot;',
    '&apos;',
    '&#13;',
    '&#x41;',
    '&#X41;',
    '&#65;',
    '&#0065;',
    '&#0;',
    '&#xD800;',
    '&#x10FFFF;',
    '&#x110000;',
    '&#99999999;',
    '&nbsp;',
    '&amp',
    '&;',
    '&#;',
    '<![CDATA[x]]>',
    '<![CDATA[]]>',
    '<![CDATA[a\r\nb]]>',
    '<![CDATA[<b>&amp;]]>',
    '<![CDATA[unterminated',
    '<!-- c -->',
    '<?pi x?>',
    '<b>t</b>',
    '<b/>',
    ']]>',
    '<',
  ];
  const CLEAN_CONTENT = CONTENT.filter(
    (piece) => !/\r|^<(?!!\[CDATA\[[^\r]*\]\]>$)|^&(?!amp;|lt;|gt;|quot;|apos;|#13;|#x41;|#65;)|^\]\]>$/.test(piece),
  );
  const OPENERS = ['', '<?xml version="1.0" encoding="UTF-8"?>', '\ufeff', '<!DOCTYPE xml>', '<!-- c -->', 'junk'];
  const CHILD_NAMES = ['a', 'return_code', 'sign', '__proto__', 'a-b', 'a.b', 'x:y', 'A1', '1a', ''];

  /** Clean documents most of the time (the fast path's ground), hostile pieces and mutations now and then. */
  function randomDocument(rand: () => number): string {
    // Clean, clean but for the odd hostile piece of content or space, or hostile throughout.
    const mode = rand();
    const hostile = mode < 0.3;
    const spiced = !hostile && mode < 0.6;
    const cleanSpaces = SPACES.slice(0, 4).filter((space) => !space.includes('\r'));
    const spaces = hostile ? SPACES : spiced ? [...cleanSpaces, ...cleanSpaces, ...SPACES] : cleanSpaces;
    const content = hostile
      ? CONTENT
      : spiced
        ? [...CLEAN_CONTENT, ...CONTENT.filter((piece) => !CLEAN_CONTENT.includes(piece)).slice(0, 12)]
        : CLEAN_CONTENT;
    const root = !hostile || rand() < 0.8 ? 'xml' : pick(rand, ['root', 'XML', 'xml a="1"', 'xml/']);
    let doc = (hostile ? pick(rand, OPENERS) : '') + pick(rand, spaces) + `<${root}>`;
    const children = Math.floor(rand() * 8);
    const names: string[] = [];
    for (let i = 0; i < children; i++) {
      const name =
        hostile && rand() < 0.2 && names.length
          ? pick(rand, names)
          : !hostile || rand() < 0.7
            ? randomKey(rand, true)
            : pick(rand, CHILD_NAMES);
      names.push(name);
      const closing = !hostile || rand() < 0.9 ? name : `${name}x`;
      doc += pick(rand, spaces) + (hostile && rand() < 0.05 ? `<${name}/>` : `<${name}>${randomText(rand, content, 6)}</${closing}>`);
    }
    if (hostile && rand() < 0.1) doc += 'text';
    doc += pick(rand, spaces) + (!hostile || rand() < 0.9 ? `</${root.split(/[ /]/)[0]}>` : '') + pick(rand, spaces);
    if (hostile && rand() < 0.05) doc += '<xml></xml>';
    // Now and then one character removed, doubled or replaced.
    if (hostile && rand() < 0.3 && doc.length > 0) {
      const at = Math.floor(rand() * doc.length);
      const op = rand();
      doc =
        op < 0.33
          ? doc.slice(0, at) + doc.slice(at + 1)
          : op < 0.66
            ? doc.slice(0, at) + doc[at] + doc.slice(at)
            : doc.slice(0, at) + pick(rand, ['<', '>', '&', '/', ']']) + doc.slice(at + 1);
    }
    return doc;
  }

  function full(text: string): unknown {
    try {
      return { fields: parseFullPayXml(text, 'xml') };
    } catch (err) {
      return { error: err instanceof PayXmlError ? err.reason : String(err) };
    }
  }

  it('takes the fast path for what WeChat sends', () => {
    expect(parseFlatPayXml(couponVector.inputs.xml, 'xml')).toMatchObject(couponVector.expected);
    expect(parseFlatPayXml(notifyVector.inputs.xml, 'xml')).toBeDefined();
    expect(parseFlatPayXml(buildPayXml({ a: 'x]]>y', b: 'line\r\nbreak', c: 1 }), 'xml')).toEqual({
      a: 'x]]>y',
      b: 'line\r\nbreak',
      c: '1',
    });
  });

  it('leaves declarations, comments, DOCTYPE, attributes, nesting, repeats and unusual references to the full path', () => {
    for (const text of [
      '<?xml version="1.0"?><xml><a>1</a></xml>',
      '<xml><!-- c --><a>1</a></xml>',
      '<!DOCTYPE xml [<!ENTITY e "x">]><xml><a>&e;</a></xml>',
      '<xml a="1"><a>1</a></xml>',
      '<xml><a><b>1</b></a></xml>',
      '<xml><a>1</a><a>2</a></xml>',
      '<xml><a>&nbsp;</a></xml>',
      '<xml/>',
      '<xml><a/></xml>',
    ]) {
      expect({ text, fast: parseFlatPayXml(text, 'xml') }).toEqual({ text, fast: undefined });
    }
  });

  it('for 12000 random documents: whatever the fast path reads, xml2js reads to the same fields, in the same order', () => {
    const rand = prng(0x0fa57);
    let fast = 0;
    for (let i = 0; i < 12000; i++) {
      const text = randomDocument(rand);
      const quick = parseFlatPayXml(text, 'xml');
      if (quick === undefined) continue;
      fast++;
      const slow = full(text);
      expect({ text, result: slow }).toEqual({ text, result: { fields: quick } });
      expect({ text, keys: Object.keys((slow as { fields: object }).fields) }).toEqual({ text, keys: Object.keys(quick) });
    }
    // The generator must exercise the fast path a good part of the time, or the test proves little.
    expect(fast).toBeGreaterThan(5000);
  });
});
