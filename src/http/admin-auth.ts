// Bearer-token check for the admin API: the one in core/ (the trust check's breakdown header uses it too).
export { buildTokenCheck, type TokenCheck } from '../core/token-check.js';
