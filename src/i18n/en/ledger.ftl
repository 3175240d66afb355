# The ledger: values, listing filters and the rules of posting.

value-not-division-code = `{ $value }` is not a division code: expected 12 digits, like 331022001201
value-not-period = `{ $value }` is not a period: expected YYYY-MM, like 2024-03, between { $first } and { $last }
value-date-out-of-range = { $date } is outside the years the ledger keeps ({ $first }–{ $last })
value-empty = { $field } must not be empty
value-too-long = { $field } is { $count } characters long; at most { $max } are allowed
value-control-characters = { $field } contains control characters: `{ $value }`
value-not-account-code = { $field } `{ $value }` is not an account code: expected digits like 541
value-amount-not-positive = amount_fen must be positive (got { $fen }); a correction is a reversal, not a negative entry
value-amount-too-large = amount_fen must be at most { $max } fen (got { $fen })
value-not-yuan = `{ $value }` is not a yuan amount like 950.00

filter-foreign-cursor = cursor is not one this server issued; start again without a cursor
filter-from-after-to = from ({ $from }) is after to ({ $to })
filter-amount-out-of-range = { $name } must be within ±{ $max } fen
filter-min-above-max = min_fen ({ $min }) is above max_fen ({ $max })
filter-not-account-prefix = account must be an account code or its leading digits, like 5 or 541
filter-query-not-text = q must be at most { $max } characters of text

ledger-village-not-found = no village { $village } in your scope
ledger-township-not-found = no township { $township } in your scope
ledger-entry-not-found = no entry `{ $entry }` in your scope
ledger-receipt-not-found = no receipt `{ $receipt }` in your scope
ledger-period-closed = { $period } of village { $village } is closed; nothing more can be posted into it (a correction of a closed month is a reversal, dated into the first open month)
ledger-year-out-of-range = year must be between { $first } and { $last }
ledger-period-not-ended = { $period } has not ended yet; a month can be closed once it has ended
ledger-account-not-in-chart = account_code { $account } is not in the chart of accounts for { $year } (chart { $chart }); see GET /api/v1/accounts?year={ $year }
ledger-account-not-income = account_code { $account } is not an income account in the chart for { $year }, as an income entry needs
ledger-account-not-expense = account_code { $account } is not an expense or cost account in the chart for { $year }, as an expense entry needs
ledger-not-settlement-account = settlement_account_code { $account } is not a settlement account in the chart for { $year }: use 101 cash, 102 bank, or a receivable/payable account
ledger-voucher-taken = voucher { $voucher } of { $year } in village { $village } is already used by entry { $entry } with different content; use a new voucher number, or reverse that entry
ledger-reversal-voucher-taken = the reversal's voucher number is already used in village { $village }; send another voucher_no
ledger-before-opening = occurred_on { $occurred_on } is before the village's books open on { $opening_date }
ledger-reversal-of-reversal = entry { $entry } is itself a reversal and cannot be reversed; post a new entry instead
ledger-already-reversed = entry { $entry } was already reversed by entry { $reversal }; an entry is reversed at most once
ledger-township-exists = township { $township } already exists
ledger-village-exists = village { $village } already exists
ledger-no-such-township = township { $township } does not exist
ledger-opening-balance-out-of-range = { $field } must be between 0 and { $max } fen

# The transparency log

log-no-checkpoint = no checkpoint has been signed yet
log-fewer-leaves = the log has fewer than { $size } leaves
log-entry-after-tree = entry { $entry } is leaf { $index }, not in a tree of { $size } leaves; ask again after the next checkpoint
log-no-consistency-proof = no consistency proof from { $from } to { $to } in this log
log-leaf-outside-tree = leaf { $leaf } is not in a tree of { $size } leaves
log-round-recorders = only the round's inspectors and admins record checkpoints
log-round-over = inspection { $id } ran from { $starts_on } to { $ends_on }; its inspectors can read it but no longer record checkpoints
log-negative-size = size must not be negative
log-no-checkpoint-at = no checkpoint was signed at size { $size }; see GET /api/v1/log/checkpoint

# Tenders

ledger-tender-reference-blank = reference must contain at least one letter or digit, like SMZB-2024-017
ledger-tender-awarded-later = awarded_on { $awarded_on } is later than today ({ $today }); record a tender once it is awarded
ledger-tender-taken = tender { $reference } of village { $village } is already recorded (as { $recorded }) with other content; a tender is recorded once
ledger-tender-page = { $name } must be between { $min } and { $max }
