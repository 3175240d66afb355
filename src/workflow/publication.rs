//! Results for the public (两反馈三通报): an admin publishes a finding of a closed round, with a
//! text for the village and a status; the village's villagers then read it. A publication
//! never holds a reporter's identity: it is the admin's text and a status, nothing else. A later
//! publication of the same finding (the rectification went on) is shown instead of the earlier
//! one, which stays recorded.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, Role};
use crate::db::schema::publications;
use crate::db::{DbConn, write_transaction};
use crate::domain::BoundedText;
use crate::workflow::finding_rows::{finding_row, round_of};
use crate::workflow::{Result, WorkflowError};

const MAX_TEXT_CHARS: usize = 2_000;

/// What the public is told of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PublicStatus {
    /// 整改中.
    Rectifying,
    /// 已整改.
    Rectified,
    /// 已移交有关部门处理.
    Referred,
    /// 已办结.
    Closed,
}

impl PublicStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PublicStatus::Rectifying => "rectifying",
            PublicStatus::Rectified => "rectified",
            PublicStatus::Referred => "referred",
            PublicStatus::Closed => "closed",
        }
    }

    /// The stored value (checked by the table) as the enum.
    pub fn parse(s: &str) -> Self {
        match s {
            "rectified" => PublicStatus::Rectified,
            "referred" => PublicStatus::Referred,
            "closed" => PublicStatus::Closed,
            _ => PublicStatus::Rectifying,
        }
    }
}

/// A publication to make.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "村级危房改造补助虚列支出问题,已追回资金10,000.00元,相关人员已移送司法机关。", "status": "referred"}))]
pub struct NewPublication {
    /// What the village reads; at most 2,000 characters.
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
    pub status: PublicStatus,
}

/// What was published of a finding.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Publication {
    pub finding_id: String,
    pub text: String,
    pub status: PublicStatus,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
}

/// Refuses everyone but admins (403).
pub fn check_publisher(caller: &Caller) -> Result<()> {
    if caller.role != Role::Admin {
        return Err(WorkflowError::NotPublisher { role: caller.role });
    }
    Ok(())
}

/// Publishes a finding of a closed round (admins).
pub fn publish(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    new: NewPublication,
    now: NaiveDateTime,
    today: NaiveDate,
) -> Result<Publication> {
    check_publisher(caller)?;
    let text = BoundedText::parse("text", &new.text, MAX_TEXT_CHARS)?.into_string();
    write_transaction(conn, |conn| {
        let finding = finding_row(conn, id)?;
        let round = round_of(conn, &finding, today)?;
        if today <= round.ends_on {
            return Err(WorkflowError::PublishOpenRound {
                round: round.id,
                ends_on: round.ends_on,
            });
        }
        let position: i64 = publications::table
            .filter(publications::finding_id.eq(&finding.id))
            .count()
            .get_result(conn)?;
        diesel::insert_into(publications::table)
            .values((
                publications::id.eq(crate::domain::ids::new_id("pb")),
                publications::finding_id.eq(&finding.id),
                publications::position.eq(position as i32),
                publications::text.eq(&text),
                publications::status.eq(new.status.as_str()),
                publications::published_by.eq(&caller.username),
                publications::published_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Publication {
            finding_id: finding.id,
            text: text.clone(),
            status: new.status,
            published_by: caller.username.clone(),
            published_at: now.and_utc(),
        })
    })
}
