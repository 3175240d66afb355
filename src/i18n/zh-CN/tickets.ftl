# Referral tickets and the county's figures (红黄蓝三色交办单、统计).
