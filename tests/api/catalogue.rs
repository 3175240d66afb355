//! The message catalogue and the code cannot drift apart: every `msg!` of `src/` names a key
//! present in both languages, with the arguments both translations use, and every key of the
//! catalogue is named by the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use fluent_syntax::ast;
use proc_macro2::{TokenStream, TokenTree};

const LANGS: [&str; 2] = ["zh-CN", "en"];

/// Key → the argument names of each `msg!` naming it, with where.
type Uses = BTreeMap<String, Vec<(BTreeSet<String>, String)>>;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The key and argument names of one `msg!(…)`'s tokens.
fn parse_invocation(tokens: TokenStream) -> Option<(String, BTreeSet<String>)> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let TokenTree::Literal(lit) = trees.first()? else {
        return None;
    };
    let key = lit.to_string().strip_prefix('"')?.strip_suffix('"')?.to_owned();
    // After the key: `, name = expr` repeated; a name is an identifier right after a comma at
    // the top level, followed by `=` (and not `==`).
    let mut args = BTreeSet::new();
    for i in 1..trees.len() {
        let after_comma = matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == ',');
        if let (true, TokenTree::Ident(name), Some(TokenTree::Punct(eq))) = (after_comma, &trees[i], trees.get(i + 1))
            && eq.as_char() == '='
            && !matches!(trees.get(i + 2), Some(TokenTree::Punct(p)) if p.as_char() == '=')
        {
            args.insert(name.to_string());
        }
    }
    Some((key, args))
}

/// Every `msg!` in `tokens`, inside other macros' arguments too.
fn scan(tokens: TokenStream, file: &str, uses: &mut Uses) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        if let TokenTree::Group(group) = tree {
            let is_msg = i >= 2
                && matches!(&trees[i - 2], TokenTree::Ident(id) if id == "msg")
                && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '!')
                && group.delimiter() == proc_macro2::Delimiter::Parenthesis;
            if is_msg {
                let (key, args) = parse_invocation(group.stream())
                    .unwrap_or_else(|| panic!("{file}: msg! must start with a string literal key"));
                uses.entry(key).or_default().push((args, file.to_owned()));
            }
            scan(group.stream(), file, uses);
        }
    }
}

fn code_uses() -> Uses {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut uses = Uses::new();
    for file in files {
        let source = std::fs::read_to_string(&file).unwrap();
        let tokens = TokenStream::from_str(&source).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.strip_prefix(root).unwrap().display().to_string();
        scan(tokens, &name, &mut uses);
    }
    uses
}

fn variables_of_pattern(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            variables_of_expression(expression, out);
        }
    }
}

fn variables_of_expression(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Inline(inline) => variables_of_inline(inline, out),
        ast::Expression::Select { selector, variants } => {
            variables_of_inline(selector, out);
            for variant in variants {
                variables_of_pattern(&variant.value, out);
            }
        }
    }
}

fn variables_of_inline(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => variables_of_expression(expression, out),
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for arg in &arguments.positional {
                variables_of_inline(arg, out);
            }
        }
        _ => {}
    }
}

/// Key → variables, of every message of one language's files.
fn catalogue(lang: &str) -> BTreeMap<String, BTreeSet<String>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/i18n").join(lang);
    let mut messages = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let source = std::fs::read_to_string(&path).unwrap();
        let resource = fluent_syntax::parser::parse(source.as_str())
            .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", path.display()));
        for entry in resource.body {
            match entry {
                ast::Entry::Message(message) => {
                    let mut vars = BTreeSet::new();
                    let value = message
                        .value
                        .as_ref()
                        .unwrap_or_else(|| panic!("{}: {} has no value", path.display(), message.id.name));
                    variables_of_pattern(value, &mut vars);
                    let previous = messages.insert(message.id.name.to_owned(), vars);
                    assert!(previous.is_none(), "{}: {} twice", path.display(), message.id.name);
                }
                ast::Entry::Junk { content } => panic!("{}: cannot parse {content:?}", path.display()),
                _ => {}
            }
        }
    }
    messages
}

#[test]
fn every_key_is_in_both_languages_with_every_argument_and_used_by_the_code() {
    let uses = code_uses();
    assert!(
        uses.len() > 100,
        "only {} keys found in src/: the scan is broken",
        uses.len()
    );
    let mut problems = Vec::new();
    for (key, sites) in &uses {
        let (args, _) = &sites[0];
        for (other, file) in sites {
            if other != args {
                problems.push(format!("{key}: arguments {other:?} in {file}, {args:?} elsewhere"));
            }
        }
    }
    for lang in LANGS {
        let messages = catalogue(lang);
        for (key, sites) in &uses {
            let (args, file) = &sites[0];
            match messages.get(key) {
                None => problems.push(format!("{lang}: no message {key} (used in {file})")),
                Some(vars) if vars != args => problems.push(format!(
                    "{lang}: {key} uses {vars:?}, the code ({file}) passes {args:?}"
                )),
                Some(_) => {}
            }
        }
        for key in messages.keys() {
            if !uses.contains_key(key) {
                problems.push(format!("{lang}: {key} is used by no msg! in src/"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn chinese_texts_have_no_english_sentence_words() {
    let english_words = ["the ", " is ", " not ", " must ", " cannot "];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/i18n/zh-CN");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        // Message lines (`key = text`); continuation lines of select expressions are checked too.
        for line in source.lines().filter(|l| !l.starts_with('#')) {
            let text = line.split_once(" = ").map_or(line, |(_, text)| text);
            for word in english_words {
                assert!(!text.contains(word), "English in the Chinese text: {line}");
            }
            checked += 1;
        }
    }
    assert!(checked >= catalogue("zh-CN").len(), "only {checked} lines read");
}
