# Villagers' questions and reports on line items (质疑、举报).
