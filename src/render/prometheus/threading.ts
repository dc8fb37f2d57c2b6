import { bool, type Collector } from './collector.js';

export const KEA_MT_ENABLED = 'kea_multi_threading_enabled';
export const KEA_THREAD_POOL_SIZE = 'kea_thread_pool_size';
export const KEA_PACKET_QUEUE_SIZE = 'kea_packet_queue_size';
export const KEA_PACKET_QUEUE_AVERAGE = 'kea_packet_queue_average';

/** Kea's packet-queue-statistics are averages over the last 10, 100 and 1000 packets. */
const WINDOWS = ['10', '100', '1000'] as const;

/** Multi-threading settings and packet-queue load (DHCP daemons; 2.2 only with MT on). */
export const threadingCollector: Collector = {
  metrics: [
    { name: KEA_MT_ENABLED, type: 'gauge', help: 'Whether multi-threading is enabled (1) or not (0).' },
    { name: KEA_THREAD_POOL_SIZE, type: 'gauge', help: 'Number of packet-processing threads.' },
    { name: KEA_PACKET_QUEUE_SIZE, type: 'gauge', help: 'Capacity of the packet queue of each thread.' },
    {
      name: KEA_PACKET_QUEUE_AVERAGE,
      type: 'gauge',
      help: 'Average packet-queue occupancy over the last `window` packets.',
      labels: ['window'],
    },
  ],
  collect(s, emit) {
    const st = s.up ? s.status : undefined;
    if (!st) return;
    if (st.multiThreadingEnabled !== undefined) emit(KEA_MT_ENABLED, bool(st.multiThreadingEnabled));
    if (st.threadPoolSize !== undefined) emit(KEA_THREAD_POOL_SIZE, st.threadPoolSize);
    if (st.packetQueueSize !== undefined) emit(KEA_PACKET_QUEUE_SIZE, st.packetQueueSize);
    st.packetQueueAverages?.forEach((v, i) => emit(KEA_PACKET_QUEUE_AVERAGE, v, { window: WINDOWS[i]! }));
  },
};
