//! Runs of payments close in time: the windows a rule sums over, merged where they overlap, so
//! one pattern is one flag listing every payment in it.

use crate::crosscheck::book::Item;

/// The runs of `items` (sorted by date) in which some window of at most `days` days from one
/// payment to the last `qualifies`; windows that qualify and overlap are one run.
pub fn chains<'a, 'b>(
    items: &'b [&'a Item],
    days: i64,
    qualifies: impl Fn(&[&'a Item]) -> bool,
) -> Vec<&'b [&'a Item]> {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut end = 0;
    for start in 0..items.len() {
        end = end.max(start);
        while end + 1 < items.len() && (items[end + 1].occurred_on - items[start].occurred_on).num_days() <= days {
            end += 1;
        }
        if qualifies(&items[start..=end]) {
            match runs.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => runs.push((start, end)),
            }
        }
    }
    runs.into_iter().map(|(start, end)| &items[start..=end]).collect()
}
