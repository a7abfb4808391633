// ES module entry: the same objects as the CommonJS entry.
import m from './index.js';

export const { SharedStructType, SharedArray, SharedStruct, struct, field, Mutex, Condition, SharedMutex, UnlockToken, AbandonedMutexError, SharedMap, WorkerPool, TaskError, atomics, share, open, release, isToken, canBeShared, passByReference, heapStats, gc } = m;
export default m;
