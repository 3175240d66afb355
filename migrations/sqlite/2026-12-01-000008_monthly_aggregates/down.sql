DROP TRIGGER entries_monthly_totals;
DROP TABLE monthly_totals;
