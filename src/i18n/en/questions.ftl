# Villagers' questions and reports on line items (质疑、举报).

questions-not-found = There is no question or report { $question } that you may read
questions-entry-not-found = There is no entry { $entry } in your scope
questions-per-day = You have filed { $limit } questions and reports today, as many as a villager may file in a day; file again tomorrow
questions-no-photo = Question { $question } has no photo
questions-not-answerer = A { $role } cannot answer questions: the clerks of the township's finance station answer them
questions-not-open = Question { $question } is { $status }: only an open question is answered
questions-not-asker = Only whoever filed the item accepts an answer or escalates it
questions-not-answered = Question { $question } is { $status }: only an answered question is accepted
questions-report-not-escalable = { $question } is a report with the inspectors already (status open): only questions are escalated
questions-not-escalable = Question { $question } is { $status }: only an open or answered question is escalated
questions-foreign-cursor = cursor is not a cursor of this listing: pass the next_cursor of the previous page unchanged
questions-part-too-long = The part { $part } is longer than { $limit } bytes
questions-part-not-text = The part { $part } is not UTF-8 text
questions-unexpected-part = Unexpected part { $part }: send one kind, one text and at most one photo
questions-bad-kind = kind { $kind } is neither question nor report
questions-missing-part = The part { $part } is missing
questions-content-type = Send the question as application/json, or as multipart/form-data with a photo
questions-cli-arg-per-day = Questions and reports one villager may file in a county day (UTC+8)
