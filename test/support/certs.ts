/** The lab's throwaway PKI, for tests that need TLS without a lab. */
export { makeTestCertificates, type TestCertificates } from '../../src/lab/certs.js';
