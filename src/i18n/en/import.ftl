# Import and export of the books (账簿导入与导出).

import-header-duplicate = Header "{ $header }" names the same field as an earlier column
import-expected-one-column = One column for { $field }
import-header-unknown = Unknown header "{ $header }"
import-expected-headers = Headers in Chinese or English: { $headers }; or name yours with the columns parameter (e.g. amount=发生额)
import-column-missing = No column "{ $header }" ({ $field })
import-expected-column = A column headed "{ $header }" or "{ $field }"
import-cell-empty = This cell is empty but the field is required
import-not-a-number = "{ $shown }" is not a whole number above zero
import-debit-credit = Exactly one of the debit and credit amounts must be given
import-direction-invalid = Direction "{ $shown }" is not known
import-posted-at-invalid = Posting time "{ $shown }" is not a date and time
import-expected-field = { $field ->
    [voucher_no] A voucher number, at most 32 characters
    [voucher_line] A line number, a whole number from 1 (default 1)
    [occurred_on] A date such as 2024-03-08, 2024/3/8, 2024年3月8日 or a spreadsheet date
    [posted_at] A posting time such as 2024-03-09 10:15:00, or a date
    [direction] 收入/支出 or income/expense
    [debit] A debit (income) amount such as 1,234.50
    [credit] A credit (expense) amount such as 1,234.50
    [account_code] An account code of the year's chart, such as 514
    [settlement_account_code] A settlement account code, such as 101 cash or 102 bank
    [amount] Yuan with at most two decimals, such as 1,234.50; negative only on a red-ink reversal, such as (1,234.50)
    [counterparty] The counterparty, at most 100 characters
    [description] The description, at most 500 characters
    [village_code] A 12-digit village code
    [reverses_voucher_no] The voucher number of the entry reversed
    [reverses_voucher_line] The line of the entry reversed
    [reverses_fiscal_year] The fiscal year of the entry reversed
    [reversal_reason] Why it is reversed
   *[other] Text of at most 100 characters
}
import-voucher-duplicate = Voucher { $voucher } line { $line } appears twice in the file (first in row { $first })
import-expected-unique-line = Each voucher number and line once per fiscal year
import-village-other = This row is of village { $village }, not of { $target } being imported
import-expected-village = An empty village code or { $target }
import-voucher-conflict = Voucher { $voucher } line { $line } of { $year } is in the ledger with other content
import-expected-same-content = The content already in the ledger (an import repeated adds nothing), or a new voucher number
import-expected-reversal = An entry in the ledger or in this file, not reversed yet, same account and direction, amount negated
import-amount-negative = A negative amount on a row that is not a red-ink reversal (no reverses_voucher_no)
import-reversal-not-negative = A red-ink reversal has a negative amount
import-before-opening = { $date } is before the village's opening date { $opening }
import-expected-after-opening = A date on or after { $opening }
import-period-closed = { $period } is closed: nothing more is posted into it
import-expected-open-month = A date in a month that is not closed
import-account-not-in-chart = Account { $account } is not in the chart of { $year }
import-expected-account = An account code of the { $chart } chart
import-account-refuses-direction = Account { $account } does not take { $direction }
import-expected-account-for = { $direction ->
    [income] An income account
   *[expense] An expense or cost account
}
import-not-a-settlement-account = Account { $account } is not a settlement account in { $year }
import-expected-settlement = A settlement account such as 101 cash, 102 bank, or a receivable/payable account
import-reversal-original-missing = Voucher { $voucher } line { $line } of { $year }, which this row reverses, is not found
import-reversal-already-reversed = The entry this row reverses is reversed already
import-reversal-of-reversal = A red-ink reversal cannot be reversed
import-reversal-mismatch = A red-ink reversal has the account and direction of its original and the amount negated
import-expected-format = A CSV (UTF-8 or GB18030) or XLSX file, headers in its first row, one entry per row
import-file-format-unknown = The file is neither CSV nor XLSX
import-encoding-unknown = The file's encoding is neither UTF-8 nor GB18030
import-columns-invalid = Column mapping "{ $pair }" is not field=header with a documented field
import-refused = Nothing was imported: { $count } problems, listed in problems
export-from-after-to = from { $from } is after to { $to }
import-one-file-part = send one part named `file`, and no other
import-no-file-part = send the books as the part named `file`
cli-about-import = Import a village's books from a CSV or XLSX file (as the API's imports do).
cli-about-export = Export books as CSV, XLSX or an hledger journal.
cli-arg-file = The books: CSV (UTF-8 or GB18030) or XLSX.
cli-arg-dry-run = Check every row and print the report; write nothing.
cli-arg-columns = Headers of your own, as field=header pairs separated by commas.
cli-arg-clerk = The username the entries are posted by.
cli-arg-format = csv, xlsx or journal.
cli-arg-since = Earliest occurred_on, inclusive.
cli-arg-until = Latest occurred_on, inclusive.
cli-arg-out = The file to write (else standard output).
cli-ctx-write-file = cannot write { $file }
cli-ctx-import = the import failed
cli-ctx-export = the export failed
import-row-unreadable = This row cannot be read
