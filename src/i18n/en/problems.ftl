# Titles of problem documents (RFC 9457) and the texts shared by every endpoint.

problem-bad-request = The request could not be read
problem-invalid = A value in the request is not acceptable
problem-unauthorized = Authentication is required
problem-forbidden = Your role does not allow this
problem-not-found = Not found
problem-voucher-conflict = The voucher number is already used
problem-period-closed = The month is closed
problem-already-reversed = The entry cannot be reversed
problem-conflict = The request conflicts with the current state
problem-method-not-allowed = The method is not allowed here
problem-payload-too-large = The request body is too large
problem-unsupported-file = The file is not an accepted image
problem-unsupported-media-type = The content type is not accepted
problem-account-locked = Too many failed logins
problem-rate-limited = Daily limit reached
problem-unavailable = The service is busy
problem-internal = Internal error

problem-internal-detail = the server failed; the request was not applied
problem-not-found-detail = not found
problem-exists = this already exists
problem-database-busy = the database is busy; retry the request
problem-no-connection = no database connection is available; retry shortly
problem-budget-deadline = the work took longer than its request may run; retry later or narrow the request
problem-budget-cancelled = the request was abandoned before the work finished
problem-gate-full = { $limit } { $work } requests are already running; retry in a moment
problem-gate-reconciliation = reconciliation
problem-gate-flags = red-flag
problem-gate-rendition = full-size rendition
problem-gate-upload = receipt upload
problem-request-timeout = the request took longer than { $seconds } s; retry later

# The form of requests
problem-query-rejected = the query string is not acceptable: { $reason }
problem-path-rejected = no such resource: { $reason }
problem-method-on-path = { $method } is not allowed on { $path }; use { $allow }
problem-no-route = no route { $method } { $path }; see /api-docs/openapi.json
problem-no-such-resource = no such resource
problem-method-not-allowed-here = this method is not allowed on this resource
problem-body-too-large = the request body is too large
problem-content-type-rejected = the content type is not accepted
problem-unreadable = the request could not be read
problem-json-rejected = the JSON body is not acceptable: { $reason }
problem-json-field-rejected = the JSON body is not acceptable: { $path }: { $reason }
problem-json-trailing = the JSON body has trailing data: { $reason }
problem-json-content-type = send the body as JSON with Content-Type: application/json
problem-json-too-large = the JSON body is larger than { $limit } bytes
problem-body-unreadable = the request body could not be read: { $reason }
problem-multipart-unreadable = the multipart body could not be read: { $reason }
problem-upload-cut = the upload was cut off: { $reason }
problem-limit-range = limit must be between 1 and { $max }
problem-offset-range = offset must be between 0 and { $max }
problem-metrics-elsewhere = metrics are served on the operators' address (VL_METRICS_BIND)
problem-not-ready = the database or the data dir is not ready
problem-receipt-store-unavailable = the receipt store cannot be reached; nothing was recorded, retry shortly
problem-not-ready-receipt-store = the receipt store { $store } cannot be reached
