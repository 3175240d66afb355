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
flag-benford-first-digit = first digit
flag-benford-first-two-digits = first two digits
flag-benford-nonconformity = nonconformity
flag-benford-marginal = marginally acceptable conformity
flag-benford-digit = { $digits } ({ $observed } % against { $expected } %)
flag-benford-county = the county
