# The cross-check: findings against the ledger, and the reading of findings sheets.

tolerance-out-of-range = { $name } must be between { $min } and { $max }, not { $value }
tolerance-percent = amount_tolerance_percent must be between 0 and 100, not { $value }
tolerance-similarity = name_similarity must be between 0 and 1, not { $value }
tolerance-search-narrower = date_search_days must not be smaller than date_window_days
finding-amount-out-of-range = amount_fen must be a positive amount in fen up to 10,000,000,000,000, not { $amount_fen }

crosscheck-checkers-only = the cross-check is for inspection groups, township finance stations and administrators
crosscheck-both-scopes = name a village or a township, not both
crosscheck-no-scope = name the scope: a village or a township
crosscheck-round-and-place = name an inspection round, or a village or a township, not both
crosscheck-round-closed = inspection round { $id } is closed: its inspectors no longer read its villages
crosscheck-unknown-rule = rules: unknown rule `{ $rule }`; known rules are { $known }
crosscheck-too-many-findings = { $count } findings in one request; at most { $max }
crosscheck-invalid-finding = findings[{ $index }] (ref `{ $reference }`): { $reason }
crosscheck-unknown-sheet-format = the findings file is neither a UTF-8 CSV nor an XLSX workbook
crosscheck-sheet-unreadable = the findings sheet cannot be read: { $reason }

reconcile-content-type = send findings as application/json, or a CSV/XLSX sheet as multipart/form-data
reconcile-code-too-long = `{ $name }` must be a 12-digit division code, not { $bytes } bytes
reconcile-scope-twice = the body names another scope than the query string; name it once
reconcile-one-file-part = send one part named `file`
reconcile-scope-before-file = name the village or township (query string, or a form field before the part `file`)
reconcile-part-too-large = the part `{ $part }` is larger than { $limit } bytes
reconcile-field-not-utf8 = form field `{ $field }` is not UTF-8 text
reconcile-findings-too-large = the findings are larger than { $limit } bytes
reconcile-no-file-part = send the findings sheet as the part named `file`
reconcile-field-value = form field `{ $field }`: `{ $value }` is not { $expected }
reconcile-unexpected-field = unexpected form field `{ $field }`: send `file` and the options of the JSON request
expect-date = a date like 2024-05-14
expect-days = a number of days
expect-fen = an amount in fen
expect-percent = a percentage
expect-fraction = a number from 0 to 1
expect-split-parts = a number from 2 to 5
expect-bool = true or false

sheet-csv-not-utf8 = the CSV file is not UTF-8 text (probably GBK, as Excel writes plain "CSV" on Chinese Windows); save it as "CSV UTF-8" and upload it again
sheet-not-xlsx = the file is not a readable XLSX workbook ({ $detail }); old .xls files must be saved as .xlsx first
sheet-empty-workbook = the workbook has no worksheet
sheet-no-header-row = the sheet is empty: expected a header row followed by one finding per row
sheet-missing-column = no { $column } column found in the header row; accepted headers are: { $accepted }
sheet-column-date = date
sheet-column-amount = amount
sheet-too-many-rows = the sheet has more than { $max } data rows; split it into smaller files
sheet-too-many-parts = the workbook holds more than { $max } parts (sheets, pictures, …); copy the findings sheet into a new workbook and upload that
sheet-too-many-strings = the workbook holds more than { $max } distinct texts; copy the findings sheet into a new workbook or split it into smaller files
sheet-too-much-text = the sheet holds more than { $mib } MiB of text; split it into smaller files
sheet-too-large = the workbook expands to more than { $mib } MiB of content; remove other sheets and pictures

cell-date-hint = expected a date such as 2024-05-14, 2024/5/14, 2024.5.14, 20240514 or 2024年5月14日
cell-error-value = the cell holds the spreadsheet error { $shown }; expected text
cell-text-too-long = text is longer than { $max } characters; shorten it
cell-date-missing = the date is missing; { $hint }
cell-date-invalid = '{ $shown }' is not a valid date; { $hint }
cell-not-a-date = '{ $shown }' is not a date; { $hint }
cell-serial-out-of-range = date serial { $serial } is outside the dates a spreadsheet can hold
cell-excel-1900-leap = 1900-02-29 does not exist (a spreadsheet artefact)
cell-amount-missing = the amount is missing; expected a positive amount such as 950.50
cell-amount-is-date = the amount cell is formatted as a date; format it as a number
cell-not-an-amount = '{ $shown }' is not an amount; expected a number such as 1234.56, ¥1,234.56 or 950元
cell-amount-negative = '{ $shown }' is negative; findings are payments greater than zero
cell-amount-not-positive = '{ $shown }' is not a positive amount; findings are payments greater than zero
cell-amount-fraction-of-fen = '{ $shown }' has fractions of a fen; expected a whole number of fen
cell-amount-too-many-decimals = '{ $shown }' has more than 2 decimals; expected yuan with at most fen (0.01) precision
cell-amount-too-large = '{ $shown }' is too large to be an amount

reconcile-differs-amount = The amount differs: the finding says { $finding } yuan, the ledger { $ledger } yuan, { $difference } yuan apart.
reconcile-differs-date = The date differs: the finding says { $finding }, the ledger { $ledger }, { $days } days apart.
reconcile-differs-counterparty = The payee differs: the finding says "{ $finding }", the ledger "{ $ledger }".
