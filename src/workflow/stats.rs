//! The county's figures (巡察工作数据): what the county publishes about its inspections, computed
//! from the data for a span of county days. Read by admins and the county discipline
//! commission's people.
//!
//! What the span selects: rounds whose window overlaps it (and the villages they cover),
//! findings recorded in it (county days), tickets issued in it. Days from finding to conclusion
//! are whole county days from the day the finding was recorded to the day its ticket was
//! concluded; the median and the 90th percentile are nearest-rank (the ⌈p·n/100⌉-th smallest).
//! The ticket figures are one grouped query (a few hundred rows whatever the number of tickets)
//! over an index in the grouping's order; the others are counts.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::Serialize;

use crate::auth::{Caller, Role};
use crate::db::DbConn;
use crate::db::schema::{addressees, findings, inspection_targets, inspections, tickets, villages};
use crate::workflow::addressees::{AddresseeKind, addressee_of};
use crate::workflow::tickets::{Colour, Outcome, TicketStatus};
use crate::workflow::{Result, WorkflowError};

/// Tickets of one colour, by status.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct StatusCounts {
    pub issued: i64,
    pub received: i64,
    pub concluded: i64,
    pub total: i64,
}

/// Tickets by colour.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct ColourCounts {
    pub red: StatusCounts,
    pub yellow: StatusCounts,
    pub blue: StatusCounts,
    pub total: StatusCounts,
}

/// Concluded tickets by outcome.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct OutcomeCounts {
    pub case_opened: i64,
    pub disciplined: i64,
    pub referred_to_judiciary: i64,
    pub rectification: i64,
    pub unfounded: i64,
}

/// Days from finding to conclusion over the concluded tickets.
#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct Durations {
    /// Concluded tickets counted.
    pub concluded: i64,
    /// Nearest-rank median, days; null without a concluded ticket.
    pub median_days: Option<i64>,
    /// Nearest-rank 90th percentile, days; null without a concluded ticket.
    pub p90_days: Option<i64>,
}

/// The county's figures for a span.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "from": "2025-01-01", "to": "2025-12-31", "today": "2025-06-30", "rounds": 2, "villages_inspected": 14,
    "findings": 9,
    "tickets": {"red": {"issued": 0, "received": 0, "concluded": 1, "total": 1},
                "yellow": {"issued": 0, "received": 1, "concluded": 0, "total": 1},
                "blue": {"issued": 0, "received": 0, "concluded": 0, "total": 0},
                "total": {"issued": 0, "received": 1, "concluded": 1, "total": 2}},
    "outcomes": {"case_opened": 0, "disciplined": 0, "referred_to_judiciary": 1, "rectification": 0, "unfounded": 0},
    "finding_to_conclusion": {"concluded": 1, "median_days": 2, "p90_days": 2},
    "overdue_tickets": 0, "concluded_late": 0, "persons_disciplined": 0, "referrals_to_judiciary": 1,
    "recovered_fen": 1000000
}))]
pub struct Stats {
    /// The span's first county day; null: from the beginning.
    pub from: Option<NaiveDate>,
    /// The span's last county day; null: up to now.
    pub to: Option<NaiveDate>,
    /// The county day overdue tickets are judged by.
    pub today: NaiveDate,
    /// Rounds whose window overlaps the span.
    pub rounds: i64,
    /// Villages those rounds cover (named, or through their township).
    pub villages_inspected: i64,
    /// Findings recorded in the span.
    pub findings: i64,
    /// Tickets issued in the span, by colour and status.
    pub tickets: ColourCounts,
    /// Those of them concluded, by outcome.
    pub outcomes: OutcomeCounts,
    pub finding_to_conclusion: Durations,
    /// Tickets issued in the span, not concluded, past their due day today.
    pub overdue_tickets: i64,
    /// Tickets issued in the span and concluded after their due day.
    pub concluded_late: i64,
    /// Persons given party or government discipline (党纪政务处分).
    pub persons_disciplined: i64,
    /// Tickets concluded with a referral to the judicial organs (移送司法机关).
    pub referrals_to_judiciary: i64,
    /// Money recovered (挽回经济损失), fen.
    pub recovered_fen: i64,
}

/// Refuses everyone but admins and the discipline users of a county discipline commission.
pub fn require_stats_reader(conn: &mut DbConn, caller: &Caller) -> Result<()> {
    let county = match caller.role {
        Role::Admin => true,
        Role::Discipline => match addressee_of(conn, caller)? {
            Some(own) => {
                addressees::table
                    .filter(addressees::id.eq(own))
                    .filter(addressees::kind.eq(AddresseeKind::CountyDiscipline.as_str()))
                    .count()
                    .get_result::<i64>(conn)?
                    > 0
            }
            None => false,
        },
        _ => false,
    };
    if county {
        Ok(())
    } else {
        Err(WorkflowError::NotStatsReader { role: caller.role })
    }
}

/// The UTC instant a county day starts (00:00 UTC+8).
fn county_midnight(day: NaiveDate) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN) - chrono::Duration::hours(8)
}

/// The ⌈p·n/100⌉-th smallest value of a histogram `(value, count)` sorted by value.
pub fn nearest_rank(histogram: &[(i64, i64)], p: i64) -> Option<i64> {
    let n: i64 = histogram.iter().map(|(_, c)| c).sum();
    if n == 0 {
        return None;
    }
    let rank = (p * n + 99) / 100;
    let mut seen = 0;
    for (value, count) in histogram {
        seen += count;
        if seen >= rank.max(1) {
            return Some(*value);
        }
    }
    histogram.last().map(|(v, _)| *v)
}

/// The figures for `from..=to` (county days, either open), overdue judged on `today`.
pub fn county_stats(
    conn: &mut DbConn,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<Stats> {
    if let (Some(f), Some(t)) = (from, to)
        && f > t
    {
        return Err(WorkflowError::StatsFromAfterTo { from: f, to: t });
    }
    // Open ends as days every backend stores and compares as dates.
    let min = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
    let max = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or_default();
    // Days beyond them name no record; clamped, they cannot overflow a timestamp or compare
    // wrongly as text.
    let (first, last) = (from.unwrap_or(min).clamp(min, max), to.unwrap_or(max).clamp(min, max));

    // Rounds and the villages they cover.
    let rounds = inspections::table
        .filter(inspections::starts_on.le(last))
        .filter(inspections::ends_on.ge(first));
    let round_count: i64 = rounds.count().get_result(conn)?;
    let targets = |kind: &'static str| {
        inspection_targets::table
            .inner_join(inspections::table.on(inspections::id.eq(inspection_targets::inspection_id)))
            .filter(inspections::starts_on.le(last))
            .filter(inspections::ends_on.ge(first))
            .filter(inspection_targets::kind.eq(kind))
            .select(inspection_targets::code)
    };
    let villages_inspected: i64 = villages::table
        .filter(
            villages::code
                .eq_any(targets("village"))
                .or(villages::township_code.eq_any(targets("township"))),
        )
        .count()
        .get_result(conn)?;

    // Findings by the time they were recorded.
    let mut f = findings::table.into_boxed();
    if from.is_some() {
        f = f.filter(findings::recorded_at.ge(county_midnight(first)));
    }
    if let Some(day) = to.and(last.succ_opt()) {
        f = f.filter(findings::recorded_at.lt(county_midnight(day)));
    }
    let finding_count: i64 = f.count().get_result(conn)?;

    // Every ticket figure in one walk of the `tickets_figures` index, in its order: one row per
    // (status, colour, outcome, days), a few hundred at most whatever the number of tickets.
    type Group = (String, String, Option<String>, Option<i32>, i64, i64, i64, i64, i64);
    let groups: Vec<Group> = tickets::table
        .filter(tickets::issued_on.ge(first))
        .filter(tickets::issued_on.le(last))
        .group_by((
            tickets::status,
            tickets::colour,
            tickets::outcome,
            tickets::days_to_conclusion,
        ))
        .select((
            tickets::status,
            tickets::colour,
            tickets::outcome,
            tickets::days_to_conclusion,
            count_star(),
            sql::<BigInt>("CAST(COALESCE(SUM(persons_disciplined), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(recovered_fen), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(CASE WHEN concluded_on > due_on THEN 1 ELSE 0 END), 0) AS BIGINT)"),
            sql::<BigInt>("CAST(COALESCE(SUM(CASE WHEN due_on < ")
                .bind::<diesel::sql_types::Date, _>(today)
                .sql(" THEN 1 ELSE 0 END), 0) AS BIGINT)"),
        ))
        .order((
            tickets::status,
            tickets::colour,
            tickets::outcome,
            tickets::days_to_conclusion,
        ))
        .load(conn)?;

    let mut by_colour = ColourCounts::default();
    let mut outcomes = OutcomeCounts::default();
    let mut days: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    let (mut persons, mut recovered, mut late, mut overdue) = (0, 0, 0, 0);
    for (status, colour, outcome, d, n, p, r, l, due_passed) in groups {
        let status = TicketStatus::parse(&status);
        let slot = match Colour::parse(&colour) {
            Some(Colour::Red) => &mut by_colour.red,
            Some(Colour::Yellow) => &mut by_colour.yellow,
            Some(Colour::Blue) | None => &mut by_colour.blue,
        };
        for counts in [slot, &mut by_colour.total] {
            match status {
                Some(TicketStatus::Issued) => counts.issued += n,
                Some(TicketStatus::Received) => counts.received += n,
                Some(TicketStatus::Concluded) | None => counts.concluded += n,
            }
            counts.total += n;
        }
        if status != Some(TicketStatus::Concluded) {
            overdue += due_passed;
            continue;
        }
        persons += p;
        recovered += r;
        late += l;
        if let Some(d) = d {
            *days.entry(i64::from(d)).or_default() += n;
        }
        match outcome.as_deref().and_then(Outcome::parse) {
            Some(Outcome::CaseOpened) => outcomes.case_opened += n,
            Some(Outcome::Disciplined) => outcomes.disciplined += n,
            Some(Outcome::ReferredToJudiciary) => outcomes.referred_to_judiciary += n,
            Some(Outcome::Rectification) => outcomes.rectification += n,
            Some(Outcome::Unfounded) | None => outcomes.unfounded += n,
        }
    }
    let histogram: Vec<(i64, i64)> = days.into_iter().collect();

    Ok(Stats {
        from,
        to,
        today,
        rounds: round_count,
        villages_inspected,
        findings: finding_count,
        referrals_to_judiciary: outcomes.referred_to_judiciary,
        tickets: by_colour,
        outcomes,
        finding_to_conclusion: Durations {
            concluded: histogram.iter().map(|(_, n)| n).sum(),
            median_days: nearest_rank(&histogram, 50),
            p90_days: nearest_rank(&histogram, 90),
        },
        overdue_tickets: overdue,
        concluded_late: late,
        persons_disciplined: persons,
        recovered_fen: recovered,
    })
}

#[cfg(test)]
mod tests {
    use super::nearest_rank;

    #[test]
    fn nearest_rank_percentiles() {
        // 1, 2, 2, 3, 10: median the 3rd (2), 90th the 5th (10).
        let h = [(1, 1), (2, 2), (3, 1), (10, 1)];
        assert_eq!(nearest_rank(&h, 50), Some(2));
        assert_eq!(nearest_rank(&h, 90), Some(10));
        // Ten values 1..=10: median the 5th, 90th the 9th.
        let h: Vec<(i64, i64)> = (1..=10).map(|v| (v, 1)).collect();
        assert_eq!(nearest_rank(&h, 50), Some(5));
        assert_eq!(nearest_rank(&h, 90), Some(9));
        assert_eq!(nearest_rank(&[(4, 1)], 90), Some(4));
        assert_eq!(nearest_rank(&[], 50), None);
    }
}
