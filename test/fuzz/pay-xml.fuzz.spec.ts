import fc from 'fast-check';
import { buildPayXml, PAY_XML_MAX_BYTES, parsePayXml, PayXmlError } from '../../lib';
import { anyString, flatEntries, isXmlText, NAME, recordOf, xmlish } from './arbitraries';
import { configureFuzz } from './fuzz-settings';

configureFuzz();

const REASONS = ['TOO_LARGE', 'DOCTYPE', 'MALFORMED', 'NOT_FLAT', 'NO_ROOT'];

type Outcome = { ok: true; fields: Record<string, string> } | { ok: false; error: unknown };

async function attempt(input: unknown, options?: { maxBytes?: number; root?: string }): Promise<Outcome> {
  try {
    return { ok: true, fields: await parsePayXml(input as string, options) };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * What must hold for any input: either a `PayXmlError` with a known reason, or a flat record of
 * strings that builds back into XML parsing to the same record.
 */
async function checkContract(input: unknown, options?: { maxBytes?: number; root?: string }): Promise<Outcome> {
  const outcome = await attempt(input, options);
  if (!outcome.ok) {
    expect(outcome.error).toBeInstanceOf(PayXmlError);
    expect(REASONS).toContain((outcome.error as PayXmlError).reason);
    return outcome;
  }
  const { fields } = outcome;
  expect(typeof fields).toBe('object');
  for (const key of Object.keys(fields)) {
    expect(key.length).toBeGreaterThan(0);
    expect(typeof fields[key]).toBe('string');
    expect(isXmlText(fields[key])).toBe(true);
  }
  if (Object.keys(fields).every((key) => NAME.test(key))) {
    const again = await parsePayXml(buildPayXml(fields, { root: options?.root }), { root: options?.root, maxBytes: 1 << 24 });
    expect(Object.entries(again)).toEqual(Object.entries(fields));
  }
  return outcome;
}

describe('parsePayXml (fuzzed)', () => {
  it('only ever rejects with PayXmlError for arbitrary strings', async () => {
    await fc.assert(
      fc.asyncProperty(anyString, async (s) => {
        await checkContract(s);
      }),
      { numRuns: 400 },
    );
  });

  it('only ever rejects with PayXmlError for arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        await checkContract(Buffer.from(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('only ever rejects with PayXmlError for values that are neither strings nor buffers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ withBigInt: true, withDate: true, withTypedArray: true, withNullPrototype: true }), async (value) => {
        fc.pre(typeof value !== 'string');
        const outcome = await checkContract(value);
        expect(outcome.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('only ever rejects with PayXmlError for XML-ish fragments (DTDs, entities, CDATA, PIs, comments, BOMs)', async () => {
    await fc.assert(
      fc.asyncProperty(xmlish, fc.constantFrom('xml', 'root'), fc.boolean(), async (text, root, asBuffer) => {
        await checkContract(asBuffer ? Buffer.from(text, 'utf8') : text, { root });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses every document with a DOCTYPE or entity declaration before the root', async () => {
    const declaration = fc.constantFrom(
      '<!DOCTYPE xml>',
      '<!DOCTYPE x [<!ENTITY e "v">]>',
      '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
      '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
      '<!ENTITY e "v">',
      '<!-- comment -->',
    );
    await fc.assert(
      fc.asyncProperty(
        declaration,
        flatEntries(6),
        fc.constantFrom('', '\ufeff', '<?xml version="1.0"?>'),
        async (decl, entries, prefix) => {
          const body = buildPayXml(recordOf(entries));
          const outcome = await checkContract(`${prefix}${decl}${body}`);
          expect(outcome.ok).toBe(false);
          expect((outcome as { error: PayXmlError }).error.reason).toBe('DOCTYPE');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('handles deep nesting without a stack overflow: NOT_FLAT, MALFORMED when unclosed, TOO_LARGE over the cap', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 14_000 }),
        fc.constantFrom('a', 'xml', 'sign'),
        fc.boolean(),
        fc.boolean(),
        async (depth, name, closed, asBuffer) => {
          const text = `<xml>${`<${name}>`.repeat(depth)}x${closed ? `</${name}>`.repeat(depth) : ''}</xml>`;
          const outcome = await checkContract(asBuffer ? Buffer.from(text) : text);
          expect(outcome.ok).toBe(false);
          const reason = (outcome as { error: PayXmlError }).error.reason;
          if (Buffer.byteLength(text) > PAY_XML_MAX_BYTES) expect(reason).toBe('TOO_LARGE');
          else expect(reason).toBe(closed ? 'NOT_FLAT' : 'MALFORMED');
        },
      ),
      { numRuns: 60 },
    );
  });

  it('accepts a document exactly when its UTF-8 size is within the default 64 KiB cap (strings and buffers)', async () => {
    const unit = fc.constantFrom('x', 'é', '中', '😀');
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: -300, max: 300 }), unit, fc.boolean(), async (delta, ch, asBuffer) => {
        const shell = '<xml><a><![CDATA[]]></a></xml>';
        const unitBytes = Buffer.byteLength(ch);
        const count = Math.max(0, Math.floor((PAY_XML_MAX_BYTES + delta - shell.length) / unitBytes));
        const pad = 'p'.repeat(Math.max(0, PAY_XML_MAX_BYTES + delta - shell.length - count * unitBytes));
        const text = `<xml><a><![CDATA[${ch.repeat(count)}${pad}]]></a></xml>`;
        const size = Buffer.byteLength(text);
        const outcome = await checkContract(asBuffer ? Buffer.from(text) : text);
        if (size <= PAY_XML_MAX_BYTES) {
          expect(outcome.ok).toBe(true);
          expect((outcome as { fields: Record<string, string> }).fields.a).toBe(`${ch.repeat(count)}${pad}`);
        } else {
          expect(outcome.ok).toBe(false);
          expect((outcome as { error: PayXmlError }).error.reason).toBe('TOO_LARGE');
        }
      }),
      { numRuns: 200 },
    );
  });

  it('honours any maxBytes: a valid document is accepted exactly when its UTF-8 size fits', async () => {
    await fc.assert(
      fc.asyncProperty(flatEntries(8, 40), fc.integer({ min: 0, max: 2048 }), fc.boolean(), async (entries, maxBytes, asBuffer) => {
        const text = buildPayXml(recordOf(entries));
        const outcome = await checkContract(asBuffer ? Buffer.from(text) : text, { maxBytes });
        expect(outcome.ok).toBe(Buffer.byteLength(text) <= maxBytes);
      }),
      { numRuns: 300 },
    );
  });
});

describe('buildPayXml → parsePayXml (fuzzed round trip)', () => {
  it('reads back every flat record of XML-legal strings exactly, in order', async () => {
    await fc.assert(
      fc.asyncProperty(flatEntries(), fc.constantFrom('xml', 'root'), fc.boolean(), async (entries, root, asBuffer) => {
        const xml = buildPayXml(recordOf(entries), { root });
        const parsed = await parsePayXml(asBuffer ? Buffer.from(xml, 'utf8') : xml, { root });
        expect(Object.entries(parsed)).toEqual(entries);
        expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
      }),
      { numRuns: 500 },
    );
  });

  it('reads back the same record with a UTF-8 BOM, an XML declaration and whitespace between the elements', async () => {
    await fc.assert(
      fc.asyncProperty(
        flatEntries(8),
        fc.constantFrom('', '\ufeff'),
        fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>\n'),
        async (entries, bom, decl) => {
          const elements = entries.map((entry) => buildPayXml(recordOf([entry])).slice('<xml>'.length, -'</xml>'.length));
          const xml = `<xml>${elements.map((element) => `\n  ${element}`).join('')}\n</xml>`;
          const parsed = await parsePayXml(Buffer.from(`${bom}${decl}${xml}`, 'utf8'));
          expect(Object.entries(parsed)).toEqual(entries);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses a duplicated element, an attribute or a nested element in any record', async () => {
    await fc.assert(
      fc.asyncProperty(
        flatEntries(6).filter((e) => e.length > 0),
        fc.nat(),
        fc.constantFrom('duplicate', 'attribute', 'nested', 'text'),
        async (entries, pick, how) => {
          const [key, value] = entries[pick % entries.length];
          const one = buildPayXml(recordOf([[key, value]])).slice('<xml>'.length, -'</xml>'.length);
          const rest = buildPayXml(recordOf(entries)).slice('<xml>'.length, -'</xml>'.length);
          const extra =
            how === 'duplicate'
              ? one
              : how === 'attribute'
                ? `<zz_attr a="1">v</zz_attr>`
                : how === 'nested'
                  ? `<zz_outer>${one}</zz_outer>`
                  : 'stray text';
          const outcome = await checkContract(`<xml>${rest}${extra}</xml>`);
          expect(outcome.ok).toBe(false);
          expect((outcome as { error: PayXmlError }).error.reason).toBe('NOT_FLAT');
        },
      ),
      { numRuns: 200 },
    );
  });

  // A `<![CDATA[` inside a processing instruction must not hide a DOCTYPE, a comment or an HTML
  // entity from the pre-parse check.
  it.each([
    ['a DOCTYPE', '<?x <![CDATA[?><!DOCTYPE xml><xml><a>1</a></xml><?y ]]>?>'],
    ['a comment', '<?x <![CDATA[?><xml><!-- c --><a>1</a></xml><?y ]]>?>'],
    ['an HTML entity', '<?x <![CDATA[?><xml><a>&nbsp;</a></xml><?y ]]>?>'],
  ])('refuses %s hidden behind a fake CDATA start inside a processing instruction', async (_name, text) => {
    await expect(parsePayXml(text)).rejects.toBeInstanceOf(PayXmlError);
  });
});
