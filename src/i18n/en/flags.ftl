# Red flags: one sentence per flag, for the inspectors to check (a lead, not a verdict).

flag-entry = { $date } { $amount } yuan (voucher { $voucher })
flag-reused-entry = { $village } { $date } { $amount } yuan
flag-duplicate-payment = { $payee } was paid { $amount } yuan twice, { $days } days apart ({ $first }, voucher { $first_voucher } and { $second }, voucher { $second_voucher }).
flag-split-payment = { $village } paid { $payee } { $count } times between { $first } and { $last }, each under the { $limit }-yuan approval limit but { $total } yuan together.
flag-invoice-amount = The invoice QR code on the receipt of { $entry } says { $invoiced } yuan before tax; the payment should be between { $invoiced } and { $most } yuan.
flag-invoice-date = The invoice on the receipt of { $entry } was issued on { $issued }, { $days } days { $side ->
    [before] before
   *[after] after
} the payment (more than { $limit }).
flag-invoice-reused = Invoice { $invoice } is attached to { $count } different entries ({ $entries }); an invoice can pay for only one.
flag-receipt-reused-same = The same scan (byte for byte) is attached to { $count } different entries: { $entries }.
flag-receipt-reused-similar = Near-identical images (at most { $distance } of 64 perceptual-hash bits apart) are attached to { $count } different entries: { $entries }.
flag-late-posting = The entry of { $entry } was posted on { $posted_on }, { $days } days after it happened (more than { $limit }).
flag-missing-receipt = The payment of { $entry } to { $payee } has no receipt scan { $days } days after it was posted; every expense of { $min } yuan or more needs one.
flag-round-amount = { $payee } was paid { $entry } in cash, a round multiple of { $unit } yuan.
flag-offday-hospitality = Hospitality spending of { $entry } ("{ $description }") is dated on { $day }, when the village office is closed.
flag-day-holiday = a public holiday ({ $holiday })
weekday-mon = a Monday
weekday-tue = a Tuesday
weekday-wed = a Wednesday
weekday-thu = a Thursday
weekday-fri = a Friday
weekday-sat = a Saturday
weekday-sun = a Sunday
flag-voucher-gap-one = Voucher { $voucher } is missing from { $village }'s { $year } voucher sequence, between { $before } and { $after }.
flag-voucher-gap = Vouchers { $first } to { $last } ({ $count }) are missing from { $village }'s { $year } voucher sequence, between { $before } and { $after }.
flag-tender-threshold = { $village } spent { $total } yuan on the project { $project } ({ $count } payments, { $first } to { $last }), above the { $threshold }-yuan tender threshold, and no payment carries a tender reference.
flag-benford = The { $test } of { $scope }'s { $count } expense amounts do not follow Benford's law as natural amounts do ({ $band }, MAD { $mad }); over-represented: { $over }.
flag-benford-year = The first digits of { $village }'s { $count } expense amounts of { $year } differ from its other years' { $others } (chi-square { $chi } on 8 degrees of freedom, above { $critical }), as amounts made up in bulk do; over-represented against the other years: { $over }.
flag-benford-first-digit = first digit
flag-benford-first-two-digits = first two digits
flag-benford-nonconformity = nonconformity
flag-benford-marginal = marginally acceptable conformity
flag-benford-digit = { $digits } ({ $observed } % against { $expected } %)
flag-benford-county = the county
flag-missing-receipt-reposted = The payment of { $entry } to { $payee } has no receipt scan { $days } days after it was first posted, on { $first_posted }: it re-posts a payment that was reversed; every expense of { $min } yuan or more needs one.
flag-missing-receipt-split = { $village } paid { $payee } { $count } times between { $first } and { $last } without a receipt scan, each under { $min } yuan but { $total } yuan together; every expense of { $min } yuan or more needs one.
flag-tender-untendered-part = { $village } paid { $total } yuan on the project { $project } without a tender reference ({ $count } payments, { $first } to { $last }), above the { $threshold }-yuan tender threshold; the project's { $tendered } payments under a tender ({ $tendered_total } yuan) do not cover them.
flag-tender-works = { $village } paid { $payee } { $total } yuan without a tender reference for works between { $first } and { $last } ({ $count } payments under the project names { $projects }), above the { $threshold }-yuan tender threshold within a year, although no project passes it alone.
flag-tender-other-village = { $village } paid { $total } yuan under tender { $reference } ({ $count } payments from { $first }), which { $recorder } recorded (won by { $winner }); { $village } has no record of it.
flag-tender-unrecorded = { $village } records its tenders (the first awarded on { $first_award }), but none for tender { $reference }, under which it paid { $total } yuan in { $count } payments from { $first }.
flag-tender-winner-mismatch = { $village } paid { $payee } { $total } yuan under tender { $reference } ({ $count } payments from { $first }), which { $winner } won.
flag-tender-winner-unrecorded = { $village } paid { $payee } { $total } yuan under tender { $reference } ({ $count } payments from { $first }); the tender has no record, and its first payment, on { $first_payment }, went to { $winner }, taken as its winner.
flag-tender-span = Payments under tender { $reference } of { $village } run over { $years } fiscal years, { $first } to { $last } ({ $count } payments, { $total } yuan); a tender covers works paid within { $max }.
flag-tender-overrun = { $village } paid { $total } yuan under tender { $reference } ({ $count } payments), { $over } yuan more than the { $amount } yuan { $winner } won it for (at most { $max } % more is allowed).
