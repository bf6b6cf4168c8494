// A serving thread (engine/threads.ts) whose module fails to load: tests/support/exit-after-failed-load.ts.
import '../../src/sdk/engine/threads.js';

throw new Error('this module cannot load');
