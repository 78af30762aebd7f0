/** `tailgate proxy` and `observe`: a real client's wire behaviour, through a fault-injecting reverse proxy. */
export { startProxy, resolveProxyFaults, PROXY_FAULT_DEFAULTS, type Proxy, type ProxyOptions } from './server.js';
export { proxyReport, type ProxyReportOptions } from './report.js';
export { liveLine } from './live.js';
export { twinFaults, twinYaml } from './twin.js';
export { certificateNames, makeProxyCertificate, type ProxyCertificate } from './tls-cert.js';
