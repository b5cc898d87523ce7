/**
 * @license
 * Copyright 2026 The model_search Authors. Licensed under the Apache License,
 * Version 2.0.
 * =============================================================================
 */

/** The TensorFlow.js namespace, backend choice, extra kernels, model files. */

export {loadModel, MODEL_JSON, modelArtifacts, saveModel, WEIGHTS_BIN, writeModelArtifacts} from './file_io';
export {installLazyConvGradients} from './lazy_conv_gradients';
export {BACKEND_CHOICES, selectBackend} from './select_backend';
export type {BackendRequest, SelectBackendOptions, SelectedBackend} from './select_backend';
export {tf} from './tf';
export {registerWasmTrainingKernels, WASM_REPLACED_KERNELS, WASM_TRAINING_KERNELS} from './wasm_kernels';
export {restartWasmBackend, wasmMemoryBytes} from './wasm_restart';
export {MAX_WASM_THREADS, wasmThreadCount} from './wasm_threads';
