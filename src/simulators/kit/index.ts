// The simulator kit: what every platform simulator shares, so each holds only its platform's rules.
export { BaseExchange, BodyTooLargeError, escapeHtml, type AnswerStyle, type Headers } from './exchange';
export { FaultQueue, applyTransportFault, routeWithFaults, SLOW_MS, type FaultableRoute, type FaultSpec, type TransportFaultKind } from './faults';
export { RequestLog, type LoggedRequest } from './request-log';
export { commonControlRoutes, handleControl, type ControlOptions, type ControlRoute } from './control';
export { serveRequests, type ServeOptions } from './server';
export { basicCredentials, CodeStore, consentPage, httpUrl, pkceMatches, readForm, sameSecret, withParams } from './oauth';
export { multipartBoundary, parseMultipartParts, type Part } from './multipart';
