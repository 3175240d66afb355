//! The catalogue: one Fluent bundle per language, built once from the `.ftl` files compiled
//! into the binary.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::{Arg, Lang, Msg, date_text, month_text, yuan};

/// The catalogue's files, per language, in the same order.
pub const FILES: &[(&str, &str, &str)] = &[
    (
        "problems",
        include_str!("zh-CN/problems.ftl"),
        include_str!("en/problems.ftl"),
    ),
    (
        "ledger",
        include_str!("zh-CN/ledger.ftl"),
        include_str!("en/ledger.ftl"),
    ),
    ("auth", include_str!("zh-CN/auth.ftl"), include_str!("en/auth.ftl")),
    (
        "receipts",
        include_str!("zh-CN/receipts.ftl"),
        include_str!("en/receipts.ftl"),
    ),
    (
        "crosscheck",
        include_str!("zh-CN/crosscheck.ftl"),
        include_str!("en/crosscheck.ftl"),
    ),
    ("flags", include_str!("zh-CN/flags.ftl"), include_str!("en/flags.ftl")),
    ("cli", include_str!("zh-CN/cli.ftl"), include_str!("en/cli.ftl")),
    (
        "workflow",
        include_str!("zh-CN/workflow.ftl"),
        include_str!("en/workflow.ftl"),
    ),
    (
        "questions",
        include_str!("zh-CN/questions.ftl"),
        include_str!("en/questions.ftl"),
    ),
    (
        "findings",
        include_str!("zh-CN/findings.ftl"),
        include_str!("en/findings.ftl"),
    ),
    (
        "tickets",
        include_str!("zh-CN/tickets.ftl"),
        include_str!("en/tickets.ftl"),
    ),
    // web: the villagers' phone page
    ("page", include_str!("zh-CN/page.ftl"), include_str!("en/page.ftl")),
    // import and export (issue 19)
    (
        "import",
        include_str!("zh-CN/import.ftl"),
        include_str!("en/import.ftl"),
    ),
    // -- ops: backup and restore --
    ("ops", include_str!("zh-CN/ops.ftl"), include_str!("en/ops.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

struct Catalogue {
    zh: Bundle,
    en: Bundle,
}

fn bundle(lang: Lang) -> Bundle {
    let tag = lang.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // Texts are plain left-to-right: no Unicode isolation marks around arguments.
    bundle.set_use_isolating(false);
    for (name, zh, en) in FILES {
        let source = match lang {
            Lang::Zh => zh,
            Lang::En => en,
        };
        // The files are part of the binary and checked by the catalogue test; a broken entry is
        // skipped by the parser and reported here rather than taking the process down.
        let resource = FluentResource::try_new((*source).to_owned()).unwrap_or_else(|(partial, errors)| {
            tracing::error!(file = name, lang = lang.tag(), ?errors, "catalogue file does not parse");
            partial
        });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(file = name, lang = lang.tag(), ?errors, "catalogue file repeats a key");
        }
    }
    bundle
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| Catalogue {
    zh: bundle(Lang::Zh),
    en: bundle(Lang::En),
});

fn of(lang: Lang) -> &'static Bundle {
    match lang {
        Lang::Zh => &CATALOGUE.zh,
        Lang::En => &CATALOGUE.en,
    }
}

fn value(arg: &Arg, lang: Lang) -> FluentValue<'_> {
    match arg {
        Arg::Text(s) => FluentValue::from(s.as_str()),
        Arg::Int(n) => FluentValue::from(*n),
        Arg::Money(fen) => FluentValue::from(yuan(*fen)),
        Arg::Date(d) => FluentValue::from(date_text(*d, lang)),
        Arg::Month { year, month } => FluentValue::from(month_text(*year, *month, lang)),
        Arg::Msg(m) => FluentValue::from(m.render(lang)),
        Arg::List(list) => {
            let separator = match lang {
                Lang::Zh => "；",
                Lang::En => "; ",
            };
            let mut out = String::new();
            for (i, m) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(separator);
                }
                render_into(&mut out, lang, m);
            }
            FluentValue::from(out)
        }
    }
}

/// Appends `msg` in `lang` to `out`. A key missing from the catalogue (the catalogue test
/// forbids it) shows as the key itself.
pub fn render_into(out: &mut String, lang: Lang, msg: &Msg) {
    let bundle = of(lang);
    let Some(pattern) = bundle.get_message(msg.key).and_then(|m| m.value()) else {
        tracing::error!(key = msg.key, lang = lang.tag(), "message missing from the catalogue");
        out.push_str(msg.key);
        return;
    };
    let mut args = FluentArgs::with_capacity(msg.args.len());
    for (name, arg) in &msg.args {
        args.set(*name, value(arg, lang));
    }
    let mut errors = Vec::new();
    if bundle.write_pattern(out, pattern, Some(&args), &mut errors).is_err() || !errors.is_empty() {
        tracing::error!(
            key = msg.key,
            lang = lang.tag(),
            ?errors,
            "message did not render cleanly"
        );
    }
}
