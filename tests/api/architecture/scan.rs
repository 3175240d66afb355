//! What one source file refers to: every `use` and every path that names the crate
//! (`crate::`, `self::`, `super::`, `village_ledger::`, or a name a `use` brought in) or a crate
//! the lower layers must not know (`actix_*`, `utoipa`), in types, expressions, patterns,
//! attributes (`#[utoipa::path]`, derives) and the bodies of macros that read as expressions.

use std::collections::HashMap;

use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Token, UseTree};

/// A path named by the code, resolved as far as the source alone allows.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// A path inside the crate, from its root (`["ledger", "entries", "EntryRow"]`).
    Crate(Vec<String>),
    /// A path into another crate (`["actix_web", "web", "Json"]`).
    External(Vec<String>),
}

/// One reference: the module whose code holds it, and what it names. (No line numbers:
/// `proc-macro2`'s span locations would rebuild every procedural macro of the project.)
#[derive(Clone, Debug)]
pub struct Reference {
    pub module: Vec<String>,
    pub target: Target,
}

/// The references of one file, and the modules it declares inline (`mod tests { … }`).
pub struct Scan {
    pub references: Vec<Reference>,
    pub inline_modules: Vec<Vec<String>>,
}

/// The module a file under `src/` defines: `src/lib.rs` the root, `src/main.rs` `main`,
/// `src/a/mod.rs` and `src/a.rs` `a`, `src/a/b.rs` `a::b`.
pub fn module_of(relative: &str) -> Vec<String> {
    let inner = relative.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = inner.split('/').map(str::to_owned).collect();
    if parts.last().is_some_and(|p| p == "mod") || parts == ["lib"] {
        parts.pop();
    }
    parts
}

/// Crates the layers below `api` must not name: checked, so recorded.
fn watched_crate(name: &str) -> bool {
    name.starts_with("actix") || name.starts_with("utoipa")
}

pub fn scan(module: &[String], source: &str) -> Result<Scan, syn::Error> {
    let file = syn::parse_file(source)?;
    let mut scanner = Scanner {
        module: module.to_vec(),
        aliases: vec![HashMap::new()],
        references: Vec::new(),
        inline_modules: Vec::new(),
    };
    scanner.collect_aliases(&file.items);
    scanner.visit_file(&file);
    Ok(Scan {
        references: scanner.references,
        inline_modules: scanner.inline_modules,
    })
}

struct Scanner {
    module: Vec<String>,
    /// Per module scope: the names `use` items bound, and what they stand for.
    aliases: Vec<HashMap<String, Target>>,
    references: Vec<Reference>,
    inline_modules: Vec<Vec<String>>,
}

impl Scanner {
    /// Resolves a path given as segments, or `None` when it names neither the crate nor a
    /// watched crate (a local item, `std`, a crate nobody checks).
    fn resolve(&self, segments: &[String], leading_colon: bool) -> Option<Target> {
        let (first, rest) = segments.split_first()?;
        if leading_colon {
            return watched_crate(first).then(|| Target::External(segments.to_vec()));
        }
        match first.as_str() {
            "crate" | "village_ledger" => Some(Target::Crate(rest.to_vec())),
            "self" => Some(Target::Crate([self.module.as_slice(), rest].concat())),
            "super" => {
                let ups = segments.iter().take_while(|s| *s == "super").count();
                let base = &self.module[..self.module.len().saturating_sub(ups)];
                Some(Target::Crate([base, &segments[ups..]].concat()))
            }
            name => {
                if let Some(target) = self.aliases.last().and_then(|scope| scope.get(name)) {
                    return Some(match target {
                        Target::Crate(p) => Target::Crate([p.as_slice(), rest].concat()),
                        Target::External(p) => Target::External([p.as_slice(), rest].concat()),
                    });
                }
                watched_crate(name).then(|| Target::External(segments.to_vec()))
            }
        }
    }

    fn record(&mut self, target: Target) {
        self.references.push(Reference {
            module: self.module.clone(),
            target,
        });
    }

    /// The `use` items directly in `items` bind names for the whole module scope.
    fn collect_aliases(&mut self, items: &[syn::Item]) {
        for item in items {
            if let syn::Item::Use(u) = item {
                self.bind_use(u, false);
            }
        }
    }

    /// Expands a `use` tree into full paths; binds each name; records each path when `record`.
    fn bind_use(&mut self, item: &syn::ItemUse, record: bool) {
        let mut leaves = Vec::new();
        expand(&item.tree, Vec::new(), &mut leaves);
        for (path, name) in leaves {
            let Some(target) = self.resolve(&path, item.leading_colon.is_some()) else {
                continue;
            };
            if let Some(name) = name
                && let Some(scope) = self.aliases.last_mut()
            {
                scope.insert(name, target.clone());
            }
            if record {
                self.record(target);
            }
        }
    }
}

/// The leaves of a use tree: each full path and the name it binds (`None` for a glob).
fn expand(tree: &UseTree, prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    match tree {
        UseTree::Path(p) => {
            let mut prefix = prefix;
            prefix.push(p.ident.to_string());
            expand(&p.tree, prefix, out);
        }
        UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                let bound = prefix.last().cloned();
                out.push((prefix, bound));
            } else {
                let mut path = prefix;
                path.push(name.clone());
                out.push((path, Some(name)));
            }
        }
        UseTree::Rename(r) => {
            let mut path = prefix;
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            out.push((path, Some(r.rename.to_string())));
        }
        UseTree::Glob(_) => out.push((prefix, None)),
        UseTree::Group(g) => {
            for tree in &g.items {
                expand(tree, prefix.clone(), out);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Scanner {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        let Some((_, items)) = &item.content else {
            return;
        };
        self.module.push(item.ident.to_string());
        self.inline_modules.push(self.module.clone());
        self.aliases.push(HashMap::new());
        self.collect_aliases(items);
        for item in items {
            self.visit_item(item);
        }
        self.aliases.pop();
        self.module.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.bind_use(item, true);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        // A lone name (`ApiError`, a local variable) adds nothing to the `use` that brought
        // it in, and may be a local shadowing it.
        if segments.len() > 1
            && let Some(target) = self.resolve(&segments, path.leading_colon.is_some())
        {
            self.record(target);
        }
        visit::visit_path(self, path);
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        if attr.path().is_ident("derive")
            && let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        {
            for path in &paths {
                self.visit_path(path);
            }
        }
        visit::visit_attribute(self, attr);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        visit::visit_macro(self, mac);
        // `format!(…)`, `vec![…]`, `assert_eq!(…)`: bodies that read as expressions are code.
        if let Ok(exprs) = mac.parse_body_with(Punctuated::<syn::Expr, Token![,]>::parse_terminated) {
            for expr in &exprs {
                self.visit_expr(expr);
            }
        }
    }
}
