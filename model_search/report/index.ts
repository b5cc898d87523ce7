/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/**
 * What a user sees of a search besides the trial directories: TensorBoard
 * event files per trial, the study summary files, the `trials` and
 * `report` commands and the live progress line.
 */

export {crc32c, maskedCrc32c} from './crc32c';
export {EVENT_FILE_PREFIX, EventFileWriter, FILE_VERSION} from './event_writer';
export type {EventFileWriterArgs} from './event_writer';
export {renderReport} from './html_report';
export type {ReportInput} from './html_report';
export type {TrialFile, TrialObserverLike, TrialRecordLike} from './observer_types';
export {ProgressLine, formatProgress} from './progress_line';
export type {ProgressState, ProgressStream} from './progress_line';
export {ProgressObserver} from './progress_observer';
export type {ProgressObserverArgs} from './progress_observer';
export {reportCommand} from './report_command';
export {SUMMARY_CSV, SUMMARY_JSON, StudySummaryObserver, readStudySummary, studySummaryCsv, summarizeStudy, writeFileAtomically, writeStudySummary} from './study_summary';
export type {StudySummary, SummaryTrial} from './study_summary';
export {TensorBoardObserver, architectureMarkdown, trialEvents} from './tensorboard_observer';
export type {TensorBoardObserverArgs} from './tensorboard_observer';
export {TFRecordWriter, frameRecord} from './tfrecord';
export {formatTrialsTable, trialsCommand} from './trials_command';
export {architectureCell, distillationTeacher, ensembleMembers} from './trial_columns';
