DROP TABLE receipt_withdrawals;
DROP TABLE receipts;
