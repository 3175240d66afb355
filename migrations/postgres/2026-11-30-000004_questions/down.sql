DROP TABLE question_photos;
DROP TABLE questions;
