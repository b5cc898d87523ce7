/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */


import * as assert from 'node:assert/strict';

import {Registry, makeRegisterDecorator} from './registry';

interface Thing {
  size: number;
}

describe('Registry', () => {
  it('registers stacked variants with their init args and enum ids', () => {
    const registry = new Registry<Thing>('thing');
    const register = makeRegisterDecorator(registry);

    @register({lookupName: 'SMALL', initArgs: {size: 1}, enumId: 1})
    @register({lookupName: 'LARGE', initArgs: {size: 9}, enumId: 2})
    class Sized implements Thing {
      size: number;
      constructor(args: Record<string, unknown>) {
        this.size = args['size'] as number;
      }
    }

    assert.deepEqual(registry.names().sort(), ['LARGE', 'SMALL']);
    assert.equal(registry.create('LARGE').size, 9);
    assert.equal(registry.getByEnumId(1).lookupName, 'SMALL');
    assert.ok(registry.create('SMALL') instanceof Sized);
  });

  it('cites both sites when a name is registered twice, at the next lookup',
     () => {
       const registry = new Registry<Thing>('thing');
       const register = makeRegisterDecorator(registry);
       @register({lookupName: 'A'})
       class First {
         size = 1;
       }
       assert.ok(First);
       // Not at class definition (module load), where nothing could
       // report it but a crash.
       @register({lookupName: 'A'})
       class Second {
         size = 2;
       }
       assert.ok(Second);
       @register({lookupName: 'B'})
       class Third {
         size = 3;
       }
       assert.ok(Third);
       // The .ts lines of the two classes, named from the workspace (the
       // tests, as the binaries, map stacks to the sources).
       const twice = new RegExp(
           'thing "A" registered twice: first at ' +
           'model_search/registry_test\\.ts:4[0-3], again at ' +
           'model_search/registry_test\\.ts:4[7-9]; give one of them ' +
           'another name');
       assert.throws(() => registry.get('B'), twice);
       assert.throws(() => registry.has('A'), twice);
       assert.throws(() => registry.names(), twice);
       assert.throws(() => registry.create('A'), twice);
       assert.throws(() => registry.getByEnumId(1), twice);
       assert.throws(() => registry.all(), twice);
     });

  it('tells a user whose name clashes with a built-in one to rename theirs',
     () => {
       const registry = new Registry<Thing>('block');
       registry.add({lookupName: 'FIXED_OUTPUT_FULLY_CONNECTED_128'},
                    class {size = 0;},
                    'model_search/blocks/fully_connected_blocks.ts:245');
       assert.throws(
           () => registry.add({lookupName: 'FIXED_OUTPUT_FULLY_CONNECTED_128'},
                              class {size = 0;}, 'my_pkg/my_block.ts:6'),
           new RegExp('block "FIXED_OUTPUT_FULLY_CONNECTED_128" registered ' +
                      'twice: first at model_search/blocks/' +
                      'fully_connected_blocks\\.ts:245, again at my_pkg/' +
                      'my_block\\.ts:6; the one at model_search/blocks/' +
                      'fully_connected_blocks\\.ts:245 is built in: give ' +
                      'yours another name$'));
     });

  it('rejects a reused enum id naming the owner', () => {
    const registry = new Registry<Thing>('thing');
    registry.add({lookupName: 'A', enumId: 7}, class {size = 0;}, 'a.ts:1');
    assert.throws(
        () => registry.add({lookupName: 'B', enumId: 7}, class {size = 0;},
                           'b.ts:2'),
        /"A" \(a\.ts:1\) and "B" \(b\.ts:2\) both have enum id 7; give one of them an unused id/);
  });

  it('rejects a block name no layer scope can hold, and a low enum id',
     () => {
       const registry = new Registry<Thing>('block');
       assert.throws(
           () => registry.add({lookupName: 'MY lower'}, class {size = 0;},
                              'my_block.ts:3'),
           /^ValueError: block name "MY lower" \(my_block\.ts:3\) cannot name the scope of its layers: use letters, digits, _, \. and - \(the first a letter or digit\), as in MY_DENSE_64$/);
       assert.throws(
           () => registry.add({lookupName: 'MINE', enumId: 12345},
                              class {size = 0;}, 'my_block.ts:9'),
           /^ValueError: block "MINE" \(my_block\.ts:9\) has enum id 12345; ids below 20000 are the built-in blocks' \(and those to come\): give it one from 20000 up, or none/);
       registry.add({lookupName: 'MY-dense.2', enumId: 20000},
                    class {size = 0;}, 'my_block.ts:12');
       // The project's own blocks have theirs.
       registry.add({lookupName: 'BUILT_IN', enumId: 12},
                    class {size = 0;},
                    'model_search/blocks/fully_connected_blocks.ts:40');
       // Other registries (providers) name their own.
       new Registry<Thing>('provider').add(
           {lookupName: 'my provider', enumId: 3}, class {size = 0;}, 'p.ts:1');
     });

  it('lists the known names and a close match for an unknown one', () => {
    const registry = new Registry<Thing>('block');
    registry.add({lookupName: 'CONVOLUTION_3X3'}, class {size = 0;}, 'x:1');
    registry.add({lookupName: 'IDENTITY'}, class {size = 0;}, 'x:2');
    assert.throws(
        () => registry.get('CONVOLUTION_3x4'),
        {message: 'unknown block "CONVOLUTION_3x4"; did you mean ' +
                  '"CONVOLUTION_3X3"?; registered: CONVOLUTION_3X3, IDENTITY'});
  });
});
