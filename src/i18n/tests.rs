use super::*;

#[test]
fn accept_language_picks_the_spoken_language_of_highest_weight() {
    let cases = [
        (None, Lang::Zh),
        (Some(""), Lang::Zh),
        (Some("en"), Lang::En),
        (Some("en-US,en;q=0.9"), Lang::En),
        (Some("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh),
        (Some("zh-Hans"), Lang::Zh),
        (Some("fr-FR"), Lang::Zh),
        (Some("fr, en;q=0.5"), Lang::En),
        (Some("en;q=0.2, zh;q=0.8"), Lang::Zh),
        (Some("zh;q=0, en"), Lang::En),
        (Some("en;q=1.5, zh"), Lang::Zh),
        (Some("*"), Lang::Zh),
        (Some("en;q=abc"), Lang::Zh),
    ];
    for (header, want) in cases {
        assert_eq!(Lang::negotiate(header), want, "{header:?}");
    }
}

#[test]
fn the_cli_language_follows_vl_lang_then_the_locale() {
    let of = |vars: &[(&str, &str)]| {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Lang::from_vars(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    };
    assert_eq!(of(&[]), Lang::Zh);
    assert_eq!(of(&[("LANG", "C")]), Lang::En);
    assert_eq!(of(&[("LANG", "C.UTF-8")]), Lang::En);
    assert_eq!(of(&[("LANG", "en_US.UTF-8")]), Lang::En);
    assert_eq!(of(&[("LANG", "zh_CN.UTF-8")]), Lang::Zh);
    assert_eq!(of(&[("LANG", "de_DE.UTF-8")]), Lang::Zh);
    assert_eq!(of(&[("VL_LANG", "zh"), ("LANG", "C")]), Lang::Zh);
    assert_eq!(of(&[("VL_LANG", "en"), ("LANG", "zh_CN.UTF-8")]), Lang::En);
    assert_eq!(of(&[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")]), Lang::En);
}

#[test]
fn money_is_grouped_yuan_from_integer_fen() {
    assert_eq!(yuan(386_000), "3,860.00");
    assert_eq!(yuan(1_000_000_000), "10,000,000.00");
    assert_eq!(yuan(-6_490), "-64.90");
    assert_eq!(yuan(5), "0.05");
    assert_eq!(yuan(i64::MIN), "-92,233,720,368,547,758.08");
}

#[test]
fn messages_render_with_their_arguments_in_each_language() {
    let m = crate::msg!(
        "ledger-before-opening",
        occurred_on = chrono::NaiveDate::from_ymd_opt(2024, 5, 4).unwrap_or_default(),
        opening_date = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap_or_default()
    );
    assert_eq!(
        m.render(Lang::Zh),
        "发生日期 2024年5月4日早于该村建账日期 2024年6月1日。"
    );
    assert_eq!(
        m.render(Lang::En),
        "occurred_on 2024-05-04 is before the village's books open on 2024-06-01"
    );
    // No isolation marks around arguments.
    assert!(!m.render(Lang::Zh).contains('\u{2068}'));
}

#[test]
fn the_current_language_is_the_scopes_and_reaches_blocking_work() {
    assert_eq!(with(Lang::En, current), Lang::En);
    assert_eq!(with(Lang::Zh, || with(Lang::En, current)), Lang::En);
    let rt = tokio::runtime::Builder::new_current_thread().build();
    let Ok(rt) = rt else { return };
    let seen = rt.block_on(scope(Lang::En, async { current() }));
    assert_eq!(seen, Lang::En);
}
