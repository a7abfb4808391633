// ES module entry: the same objects as the CommonJS entry.
import m from './index.js';

export const {
  SharedStructType, SharedArray, SharedStruct, struct, field, Mutex, Condition, SharedMutex, UnlockToken, AbandonedMutexError, SharedMap, SharedSet, SharedVector, ConcurrentModificationError, Channel, ChannelClosedError, Semaphore, Barrier, lockInfo, LockTimeoutError, parseJSON, parseStats, stringifyJSON, stringifyFallback, WorkerPool, TaskError, atomics, bulk, freeze, isFrozen, share, open, release, isToken, canBeShared, passByReference, heapStats, gc,
} = m;
export default m;
