/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

import {checkFieldDelim, CsvParser, CsvRecord, parseCsv, readCsvByteRange, readCsvFile} from './csv_reader';
import {DataError} from './data';

/** Feeds `text` in pieces of `size` characters. */
function parseInPieces(text: string, size: number, fieldDelim = ','):
    CsvRecord[] {
  const parser = new CsvParser({fieldDelim, source: 'x.csv'});
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += size) {
    out.push(...parser.push(text.slice(i, i + size)));
  }
  out.push(...parser.end());
  return out;
}

function tmpDir(): string {
  return fs.mkdtempSync(
      path.join(process.env['TEST_TMPDIR'] ?? os.tmpdir(), 'csv_reader_'));
}

describe('CsvParser', () => {
  const valid: Array<{
    name: string,
    text: string,
    delim?: string,
    want: Array<[number, string[]]>,
  }> = [
    {
      name: 'plain rows with LF',
      text: 'a,b\n1,2\n',
      want: [[1, ['a', 'b']], [2, ['1', '2']]],
    },
    {
      name: 'CRLF line breaks',
      text: 'a,b\r\n1,2\r\n3,4',
      want: [[1, ['a', 'b']], [2, ['1', '2']], [3, ['3', '4']]],
    },
    {
      name: 'lone CR line breaks',
      text: 'a,b\r1,2\r',
      want: [[1, ['a', 'b']], [2, ['1', '2']]],
    },
    {
      name: 'no line break at the end',
      text: 'a,b\n1,2',
      want: [[1, ['a', 'b']], [2, ['1', '2']]],
    },
    {
      name: 'a delimiter inside quotes',
      text: 'a,b\n"x,y",2\n',
      want: [[1, ['a', 'b']], [2, ['x,y', '2']]],
    },
    {
      name: 'line breaks inside quotes keep the record on its first line',
      text: 'a,b\n"one\ntwo",2\n"three\r\nfour",3\n5,6\n',
      want: [
        [1, ['a', 'b']], [2, ['one\ntwo', '2']], [4, ['three\r\nfour', '3']],
        [6, ['5', '6']],
      ],
    },
    {
      name: 'doubled quotes inside quotes',
      text: '"say ""hi""",""""\n',
      want: [[1, ['say "hi"', '"']]],
    },
    {
      name: 'empty fields, quoted and not',
      text: 'a,,""\n,\n"",x\n',
      want: [[1, ['a', '', '']], [2, ['', '']], [3, ['', 'x']]],
    },
    {
      name: 'a delimiter at the end of the last line',
      text: 'a,b,',
      want: [[1, ['a', 'b', '']]],
    },
    {
      name: 'a byte order mark at the start',
      text: '\ufeffa,b\n1,2\n',
      want: [[1, ['a', 'b']], [2, ['1', '2']]],
    },
    {
      name: 'empty lines are skipped but counted',
      text: '\na,b\n\n\r\n1,2\n\n',
      want: [[2, ['a', 'b']], [5, ['1', '2']]],
    },
    {
      name: 'a semicolon delimiter',
      text: 'a;b\n"1;5";2,3\n',
      delim: ';',
      want: [[1, ['a', 'b']], [2, ['1;5', '2,3']]],
    },
    {
      name: 'a tab delimiter spelled \\t',
      text: 'a\tb\n1\t2\n',
      delim: '\\t',
      want: [[1, ['a', 'b']], [2, ['1', '2']]],
    },
    {
      name: 'spaces and non-ASCII text kept as they are',
      text: ' a , café \n',
      want: [[1, [' a ', ' café ']]],
    },
  ];
  for (const c of valid) {
    it(`reads ${c.name}, in pieces of any size`, () => {
      const want = c.want.map(([line, cells]) => ({line, cells}));
      assert.deepEqual(parseCsv(c.text, {fieldDelim: c.delim}), want);
      for (const size of [1, 2, 3, 5]) {
        assert.deepEqual(parseInPieces(c.text, size, c.delim), want,
                         `pieces of ${size}`);
      }
    });
  }

  const invalid: Array<{name: string, text: string, message: string}> = [
    {
      name: 'a quote inside an unquoted field',
      text: 'a,b\n1,5\'10"\n',
      message: 'x.csv:2:7: a quote inside an unquoted field; quote the ' +
          'whole field and double the quotes in it ("5\'10""") or remove ' +
          'the quote',
    },
    {
      name: 'text after a closing quote',
      text: 'a,b\n"1"x,2\n',
      message: 'x.csv:2:4: "x" after the closing quote of a field; a quote ' +
          'inside a quoted field is written as ""',
    },
    {
      name: 'a quoted field never closed',
      text: 'a,b\n1,2\n3,"4\n5,6\n',
      message: 'x.csv:3:3: a quoted field opened here is never closed; end ' +
          'it with a quote and write quotes inside it as ""',
    },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name}`, () => {
      for (const size of [1, 100]) {
        assert.throws(() => parseInPieces(c.text, size), (e: Error) => {
          assert.ok(e instanceof DataError);
          assert.equal(e.message, c.message);
          return true;
        });
      }
    });
  }

  it('rejects delimiters that cannot work', () => {
    for (const delim of ['', ';;', '"', '\n']) {
      assert.throws(
          () => checkFieldDelim(delim),
          new DataError(
              `--field_delim=${JSON.stringify(delim)}: the delimiter must ` +
              'be one character other than a quote or a line break, e.g. ' +
              '\',\' or \';\' or \'\\t\''));
    }
  });
});

describe('readCsvFile', () => {
  it('streams a file in chunks splitting multi-byte characters', async () => {
    const file = path.join(tmpDir(), 'small.csv');
    fs.writeFileSync(
        file, '\ufeffname,city\r\n"Zoë","Köln,\r\nNRW"\r\né,ü\r\n');
    for (const chunkSize of [1, 2, 3, 7, 65536]) {
      const records: CsvRecord[] = [];
      for await (const record of readCsvFile(file, {chunkSize})) {
        records.push(record);
      }
      assert.deepEqual(records, [
        {line: 1, cells: ['name', 'city']},
        {line: 2, cells: ['Zoë', 'Köln,\r\nNRW']},
        {line: 4, cells: ['é', 'ü']},
      ], `chunk size ${chunkSize}`);
    }
  });

  it('refuses bytes that are not UTF-8, naming line and column', async () => {
    const file = path.join(tmpDir(), 'latin1.csv');
    // "café" and "naïve" in Latin-1: é is 0xE9, ï is 0xEF.
    fs.writeFileSync(file, Buffer.concat([
      Buffer.from('name,city\r\nZoe,x\r\n"a\nb",caf'),
      Buffer.from([0xe9]),
      Buffer.from(',na'),
      Buffer.from([0xef]),
      Buffer.from('ve\n'),
    ]));
    // Every split: the bad byte is found whichever chunk it ends up in,
    // after a multi-byte character cut in two or not.
    for (const chunkSize of [1, 2, 3, 5, 8, 13, 65536]) {
      await assert.rejects(async () => {
        for await (const _ of readCsvFile(file, {chunkSize})) {
          // Until the bad byte.
        }
      }, (e: Error) => {
        assert.ok(e instanceof DataError);
        assert.equal(
            e.message,
            `${file}:4:7: byte 0xE9, not UTF-8: the file is in another ` +
                'encoding (Latin-1 or Windows-1252, as older spreadsheet ' +
                'exports are); save it as UTF-8 CSV, e.g. `iconv -f ' +
                'latin1 -t utf-8 latin1.csv > utf8.csv`',
            `chunk size ${chunkSize}`);
        assert.equal(e.line, 4);
        return true;
      });
    }
  });

  it('refuses a file cut inside a multi-byte character', async () => {
    const file = path.join(tmpDir(), 'cut.csv');
    fs.writeFileSync(file, Buffer.from('a,b\n1,caf\xc3', 'latin1'));
    await assert.rejects(async () => {
      for await (const _ of readCsvFile(file, {chunkSize: 4})) {
        // Until the end.
      }
    }, /cut\.csv:2:6: byte 0xC3, not UTF-8: the file ends inside a character: it was cut short/);
  });

  it('tells a line of another encoding in a UTF-8 file, and cp1252', async () => {
    const mixed = path.join(tmpDir(), 'mixed.csv');
    fs.writeFileSync(mixed, Buffer.concat([
      Buffer.from('a,b\ncaf\u00e9,1\n' + 'x,2\n'.repeat(50)),
      Buffer.from([0x6e, 0xe9, 0x2c, 0x33, 0x0a]),
    ]));
    const euro = path.join(tmpDir(), 'euro.csv');
    fs.writeFileSync(euro, Buffer.from([0x61, 0x0a, 0x80, 0x0a]));
    for (const [file, message] of [
             [mixed, /mixed\.csv:53:2: byte 0xE9, not UTF-8: the file is UTF-8 before it, so this line is of another encoding/],
             [euro, /euro\.csv:2:1: byte 0x80, not UTF-8: the file is in another encoding \(Windows-1252, .*`iconv -f cp1252 -t utf-8 euro\.csv > utf8\.csv`$/],
           ] as Array<[string, RegExp]>) {
      await assert.rejects(async () => {
        for await (const _ of readCsvFile(file, {chunkSize: 16})) {
          // Until the bad byte.
        }
      }, message);
    }
  });

  it('reads a U+FFFD the file really holds', async () => {
    const file = path.join(tmpDir(), 'replacement.csv');
    fs.writeFileSync(file, 'a,b\n\ufffd,1\n');
    const records: CsvRecord[] = [];
    for await (const record of readCsvFile(file, {chunkSize: 2})) {
      records.push(record);
    }
    assert.deepEqual(records[1].cells, ['\ufffd', '1']);
  });

  it('stops reading when the caller stops', async () => {
    const file = path.join(tmpDir(), 'long.csv');
    fs.writeFileSync(file, 'a\n' + '1\n'.repeat(100000));
    let seen = 0;
    for await (const record of readCsvFile(file, {chunkSize: 64})) {
      seen += record.cells.length;
      if (seen === 3) break;
    }
    assert.equal(seen, 3);
  });

  for (const encoding of ['utf16le', 'utf16be'] as const) {
    it(`refuses a ${encoding} file, naming it`, async () => {
      const file = path.join(tmpDir(), `${encoding}.csv`);
      const text = '\ufefflabel,a\n0,1\n1,2\n';
      const bytes = Buffer.from(text, 'utf16le');
      if (encoding === 'utf16be') bytes.swap16();
      fs.writeFileSync(file, bytes);

      await assert.rejects(async () => {
        for await (const _ of readCsvFile(file)) {
          // The first chunk is refused.
        }
      }, (e: Error) => e instanceof DataError &&
          e.message === `${file}: the file holds NUL bytes, so it is not ` +
              'UTF-8 text (UTF-16, as "Unicode text" exports are, or ' +
              'binary); save it as UTF-8 CSV');
    });
  }

  it('reads a file in parts that together hold every record once',
     async () => {
       const file = path.join(tmpDir(), 'parts.csv');
       const lines = ['label,name,x'];
       for (let i = 0; i < 40; i++) {
         lines.push(`${i % 3},"Zoë ${i}, ü",${i * 1.5}`);
       }
       fs.writeFileSync(file, lines.join('\r\n') + '\r\n');
       const size = fs.statSync(file).size;
       const whole: string[][] = [];
       for await (const record of readCsvFile(file)) whole.push(record.cells);
       const collect = async (cuts: number[], chunkSize: number) => {
         const cells: string[][] = [];
         for (let i = 0; i + 1 < cuts.length; i++) {
           for await (const record of readCsvByteRange(
                          file, cuts[i], cuts[i + 1], {chunkSize})) {
             cells.push(record.cells);
           }
         }
         return cells;
       };
       // Cuts at line starts, inside lines, inside a character, next to
       // each other; chunks smaller than a line.
       for (const chunkSize of [3, 17, 65536]) {
         for (const parts of [1, 2, 5, 13, 40, 97]) {
           const cuts = Array.from(
               {length: parts + 1}, (_, i) => Math.round(i * size / parts));
           assert.deepEqual(await collect(cuts, chunkSize), whole,
                            `${parts} parts, chunks of ${chunkSize}`);
         }
       }
       assert.deepEqual(await collect([0, 5, 5, 6, size], 7), whole);
     });

  it('names a compressed file and how to decompress it', async () => {
    const file = path.join(tmpDir(), 'rows.csv.gz');
    fs.writeFileSync(file, zlib.gzipSync('label,a\n0,1\n1,2\n'));
    await assert.rejects(async () => {
      for await (const _ of readCsvFile(file)) {
        // The first chunk is refused.
      }
    }, (e: Error) => e instanceof DataError &&
        e.message === `${file}: the file is gzip-compressed, not CSV text; ` +
            `decompress it first (e.g. gzip -dk ${file}, which writes ${
                file.slice(0, -3)}) and give the decompressed file`);
  });

  it('reads a file whose header starts like bzip2\'s magic', async () => {
    const file = path.join(tmpDir(), 'bzh.csv');
    fs.writeFileSync(file, 'BZh_score,label\n1,0\n2,1\n');
    const records: CsvRecord[] = [];
    for await (const record of readCsvFile(file)) records.push(record);
    assert.deepEqual(records.map((r) => r.cells),
                     [['BZh_score', 'label'], ['1', '0'], ['2', '1']]);
  });

  it('names a missing file', async () => {
    const file = path.join(tmpDir(), 'missing.csv');
    await assert.rejects(async () => {
      for await (const _ of readCsvFile(file)) {
        // Nothing: the open fails.
      }
    }, (e: Error) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, new RegExp(`^${file}: cannot read: ENOENT`));
      return true;
    });
  });
});
