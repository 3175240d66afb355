DROP TRIGGER entries_monthly_totals ON entries;
DROP FUNCTION add_to_monthly_totals();
DROP TABLE monthly_totals;
