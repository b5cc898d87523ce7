/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * The replay generator (replay_generator.py): in a replay of an ensemble,
 * imports the towers that the earlier trials of the replay trained. An
 * adaptive (or residual) ensemble grows one trial at a time, so trial i
 * imports every tower of trial i - 1; a non-adaptive (or intermixed)
 * ensemble is put together in its last trial from the search towers of all
 * trials before it.
 */

import type {Trial} from '../metadata/trial';
import type {PhoenixSpec} from '../proto/phoenix_spec';
import {GenerateArgs, GeneratorResult, PlanningError, REPLAY_GENERATOR, searchTowerOf, TowerGenerator, towerName, TowerRecord, towersOfTrial} from './base_tower_generator';
import {ensembleSpecWithDefaults, isAdaptiveOrResidual} from './trial_utils';

export class ReplayGenerator implements TowerGenerator {
  readonly name = REPLAY_GENERATOR;
  private readonly freeze: boolean;

  constructor(private readonly spec: PhoenixSpec) {
    this.freeze =
        ensembleSpecWithDefaults(spec.ensembleSpec).freezePrevious ?? true;
  }

  /** `args.trials`: the COMPLETED trials of the replay study. */
  generate(args: GenerateArgs): GeneratorResult {
    const byId = new Map(args.trials.map((t) => [t.id, t]));
    const need = (id: number): Trial => {
      const trial = byId.get(id);
      if (trial === undefined) {
        throw new PlanningError(
            `replay trial ${args.trialId} imports the towers of trial ${
                id}, which is not COMPLETED in this replay study`);
      }
      return trial;
    };
    const towers: TowerRecord[] = [];
    const members: number[] = [];
    if (isAdaptiveOrResidual(this.spec.ensembleSpec)) {
      const previous = need(args.trialId - 1);
      for (const tower of towersOfTrial(previous)) {
        towers.push(this.imported(tower, previous.id, towers.length));
      }
      members.push(previous.id);
    } else {
      for (let id = 1; id < args.trialId; id++) {
        const trial = need(id);
        const tower = searchTowerOf(trial);
        if (tower === undefined) {
          throw new PlanningError(
              `replay trial ${args.trialId}: trial ${id} trained no tower`);
        }
        towers.push(this.imported(tower, id, towers.length));
        members.push(id);
      }
    }
    return {towers, members};
  }

  private imported(tower: TowerRecord, trialId: number, index: number):
      TowerRecord {
    return {
      name: towerName(REPLAY_GENERATOR, index),
      architecture: [...tower.architecture],
      hparams: {...tower.hparams},
      source: {trialId, tower: tower.name},
      frozen: this.freeze,
    };
  }
}
