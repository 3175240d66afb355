-- Monthly aggregates: per village, month, account, settlement account and direction, the sum
-- and count of the entries (reversals included, in red ink: negative amounts). Township and
-- county summaries read these instead of the entries. A trigger keeps them in the inserting
-- transaction, so every writer (posting, reversal, import, the generator, copy) maintains
-- them; `verify` recomputes them from the entries.

CREATE TABLE monthly_totals (
    village_code TEXT NOT NULL REFERENCES villages (code),
    fiscal_year INTEGER NOT NULL,
    period TEXT NOT NULL,
    account_code TEXT NOT NULL,
    settlement_account_code TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('income', 'expense')),
    total_fen BIGINT NOT NULL,
    entry_count BIGINT NOT NULL,
    PRIMARY KEY (village_code, fiscal_year, period, account_code, settlement_account_code, direction)
) WITHOUT ROWID;

CREATE TRIGGER entries_monthly_totals AFTER INSERT ON entries
BEGIN
    INSERT INTO monthly_totals (village_code, fiscal_year, period, account_code,
                                settlement_account_code, direction, total_fen, entry_count)
    VALUES (NEW.village_code, NEW.fiscal_year, NEW.period, NEW.account_code,
            NEW.settlement_account_code, NEW.direction, NEW.amount_fen, 1)
    ON CONFLICT (village_code, fiscal_year, period, account_code, settlement_account_code, direction)
    DO UPDATE SET total_fen = total_fen + excluded.total_fen, entry_count = entry_count + 1;
END;

INSERT INTO monthly_totals (village_code, fiscal_year, period, account_code,
                            settlement_account_code, direction, total_fen, entry_count)
SELECT village_code, fiscal_year, period, account_code, settlement_account_code, direction,
       SUM(amount_fen), COUNT(*)
FROM entries
GROUP BY village_code, fiscal_year, period, account_code, settlement_account_code, direction;
