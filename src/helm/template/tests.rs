//! Engine tests. Expected outputs come from Helm v4.3.1 (`helm template` on a one-file chart
//! with the values of [`values`]) and from the cases of Go's `text/template` exec tests.

use super::*;
use crate::helm::value::GoObject;
use std::collections::BTreeMap;

const NAME: &str = "c/templates/t.yaml";

fn from_json(j: &serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        // Helm decodes values files through JSON: every number is a float64.
        serde_json::Value::Number(n) => Value::Float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(a) => Value::list(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => Value::map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}

/// The values of the Helm oracle chart.
fn values() -> Value {
    from_json(
        &serde_json::from_str(
            r#"{"f1": 8080, "f2": 100000000, "f3": 0.5, "f4": 123456789, "f5": 1e21, "f6": 1.5e-5,
                "f7": 0.0001, "m": {"a": 1}, "s": "str", "l": ["a", "b"],
                "nested": {"a": [1, {"b": null}], "c": true}, "m2": {"z": 1, "a": 2, "m": "x"},
                "empty": [], "l5": [1, 2, 3, 4, 5], "nul": null}"#,
        )
        .unwrap(),
    )
}

#[derive(Debug)]
struct Caps;

impl GoObject for Caps {
    fn type_name(&self) -> &'static str {
        "*common.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::map(BTreeMap::from([("Major".to_string(), Value::str("1"))]))),
            "APIVersions" => Some(Value::Object(Rc::new(Versions))),
            _ => None,
        }
    }
    fn call(&self, _: &str, _: &[Value]) -> Option<Result<Value, String>> {
        None
    }
    fn display(&self) -> String {
        "{caps}".into()
    }
}

#[derive(Debug)]
struct Versions;

impl GoObject for Versions {
    fn type_name(&self) -> &'static str {
        "common.VersionSet"
    }
    fn field(&self, _: &str) -> Option<Value> {
        None
    }
    fn call(&self, name: &str, args: &[Value]) -> Option<Result<Value, String>> {
        match name {
            "Has" => Some(match args {
                [Value::Str(s)] => Ok(Value::Bool(&**s == "v1")),
                [_] => Err("bad".into()),
                _ => Err(format!("wrong number of args for Has: want 1 got {}", args.len())),
            }),
            _ => None,
        }
    }
    fn display(&self) -> String {
        "[v1]".into()
    }
}

fn test_funcs() -> FuncTable {
    let mut t = FuncTable::new();
    t.insert("upper", |_, a| match a {
        [Value::Str(s)] => Ok(Value::str(s.to_uppercase())),
        [_] => Err(arg_type_error(0, "string")),
        _ => Err(format!("wrong number of args for upper: want 1 got {}", a.len())),
    });
    t.insert("list", |_, a| Ok(Value::list(a.to_vec())));
    t.insert("dict", |_, a| {
        let mut m = BTreeMap::new();
        for pair in a.chunks(2) {
            if let [Value::Str(k), v] = pair {
                m.insert(k.to_string(), v.clone());
            }
        }
        Ok(Value::map(m))
    });
    t.insert("boom", |_, _| Err("it broke".into()));
    t.insert("nindent", |_, a| match a {
        [Value::Int(n, _), Value::Str(s)] => {
            let pad = " ".repeat(*n as usize);
            Ok(Value::str(format!("\n{pad}{}", s.replace('\n', &format!("\n{pad}")))))
        }
        _ => Err("bad nindent".into()),
    });
    t
}

fn dot() -> Value {
    let mut m = BTreeMap::new();
    m.insert("Values".to_string(), values());
    m.insert("Capabilities".to_string(), Value::Object(Rc::new(Caps)));
    Value::map(m)
}

fn render_files(files: &[(&str, &str)], main: &str) -> Result<String, String> {
    let mut t = Templates::new(test_funcs());
    for (name, text) in files {
        t.add(name, text).map_err(|e| e.message)?;
    }
    t.execute(main, &dot(), &mut FuncEnv::default()).map(|r| r.text).map_err(|e| e.message)
}

fn render(text: &str) -> Result<String, String> {
    render_files(&[(NAME, text)], NAME)
}

fn check(cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    for (text, want) in cases {
        let got = render(text).unwrap_or_else(|e| format!("ERR: {e}"));
        if got != *want {
            failures.push(format!("template {text:?}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn helm_output_cases() {
    check(&[
        (
            "{{ .Values.f1 }} {{ .Values.f2 }} {{ .Values.f3 }} {{ .Values.f4 }} {{ .Values.f5 }} {{ .Values.f6 }} {{ .Values.f7 }}",
            "8080 1e+08 0.5 1.23456789e+08 1e+21 1.5e-05 0.0001",
        ),
        ("a: {{ .Values.nope }}|{{ .Values.m.nope }}", "a: |"),
        (
            "{{ printf \"%d %s\" .Values.f1 1 }} {{ printf \"%s\" }} {{ printf \"x\" 1 \"y\" }} {{ printf \"%d\" nil }} {{ printf \"%v %T %T\" nil nil .Values.l }} {{ printf \"%s\" .Values.l }} {{ printf \"%d\" .Values.m }}",
            "%!d(float64=8080) %!s(int=1) %!s(MISSING) x%!(EXTRA int=1, string=y) %!d(<nil>) <nil> <nil> []interface {} [a b] map[%!d(string=a):%!d(float64=1)]",
        ),
        ("{{ range 3 }}{{ . }}{{ end }} {{ range $i := 2 }}{{ $i }}{{ end }}", "012 01"),
        ("{{ with .Values.nope }}x{{ else with .Values.m }}{{ .a }}{{ end }}", "1"),
        ("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}", "2"),
        (
            "{{ print 1 2 \"a\" 3 nil .Values.l .Values.m }}|{{ println 1 \"a\" }}|{{ .Values.l }}|{{ .Values.m }}|{{ .Values.nested }}",
            "1 2a3 <nil> [a b] map[a:1]|1 a\n|[a b]|map[a:1]|map[a:[1 map[b:<nil>]] c:true]",
        ),
        ("{{ $x := .Values.nope }}[{{ $x.a.b }}]{{ (.Values.nope).a }}", "[]"),
        (
            "{{ eq 1 1 2 }} {{ eq \"a\" \"b\" \"a\" }} {{ lt 1 2 }} {{ eq .Values.nope nil }} {{ eq nil nil }} {{ ne .Values.f1 1.0 }} {{ ge .Values.s \"a\" }}",
            "true true true true true true true",
        ),
        ("{{ len .Values.s }} {{ len \"héllo\" }} {{ len .Values.l }} {{ len .Values.m }}", "3 6 2 1"),
        (
            "{{ 1e3 }} {{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 1_000 }} {{ 'a' }} {{ -1.5 }} {{ 0x1p4 }} {{ 1.0 }} {{ 3. }} {{ .5 }}",
            "1000 31 15 15 1000 97 -1.5 16 1 3 0.5",
        ),
        (
            "{{ html \"<a href='x'>&\\\"\" }} {{ js \"a'b\\\"c<>\\n\" }} {{ urlquery \"a b&c=d/é\" }}",
            "&lt;a href=&#39;x&#39;&gt;&amp;&#34; a\\'b\\\"c\\u003C\\u003E\\u000A a+b%26c%3Dd%2F%C3%A9",
        ),
        ("a  {{- 1 -}}  b {{-2}} {{ 3 -}}\n\n c {{- /* comment */ -}} d {{/* c2 */}} e", "a1b -2 3cd  e"),
        (
            "{{ printf \"%v %v %v %v %v %v %v\" 1e6 1e5 123456.0 0.000012 1e-5 100.0 2.5e-10 }} {{ printf \"%g %g %f %e\" 1e6 100000.0 1e6 0.0 }} {{ printf \"%.0f %.0f %.0f %.1f\" 0.5 1.5 2.5 0.25 }}",
            "1e+06 100000 123456 1.2e-05 1e-05 100 2.5e-10 1e+06 100000 1000000.000000 0.000000e+00 0 2 2 0.2",
        ),
        ("{{ tpl \"{{ define \\\"q\\\" }}Q{{ end }}{{ include \\\"q\\\" . }}\" . }}", "Q"),
        (
            "{{ range $k, $v := .Values.m2 }}{{ $k }}={{ $v }};{{ end }}{{ range .Values.empty }}x{{ else }}empty{{ end }}",
            "a=2;m=x;z=1;empty",
        ),
        (
            "{{ range $i, $v := .Values.l5 }}{{ if eq $v 2.0 }}{{ continue }}{{ end }}{{ if eq $v 4.0 }}{{ break }}{{ end }}{{ $v }}{{ end }}",
            "13",
        ),
        ("{{ block \"bb\" . }}default {{ .Values.s }}{{ end }}", "default str"),
        (
            "{{ $a := 1 }}{{ with $a }}{{ $a := 2 }}{{ $a }}{{ end }}{{ $a }} {{ range $i, $e := .Values.l }}{{ $i }}{{ $e }}{{ end }}",
            "21 0a1b",
        ),
        ("{{ (dict \"a\" (dict \"b\" 5)).a.b }} {{ $.Values.m.a }}", "5 1"),
        ("{{ if .Values.nope }}a{{ else if .Values.m }}b{{ else }}c{{ end }}", "b"),
        (
            "{{ .Values.s | printf \"%s-%s\" \"x\" }} {{ \"a\" | printf \"%s%s\" \"b\" | printf \"[%s]\" }}",
            "x-str [ba]",
        ),
        ("{{ range -2 }}x{{ else }}none{{ end }}", "none"),
        (
            "{{ js \"a&b=c\" }} {{ js \"é\\u2028\" }} {{ html \"\\u0000x\" }} {{ html nil }} {{ html 1 2 }}",
            "a\\u0026b\\u003Dc é\\u2028 \u{FFFD}x &lt;no value&gt; 1 2",
        ),
        ("[{{ index .Values.m \"zz\" }}] {{ index \"abc\" 1 }} {{ index .Values.nested \"a\" 1 \"b\" }}", "[] 98 "),
        ("{{ lookup \"v1\" \"Secret\" \"ns\" \"n\" }}|{{ lookup \"v1\" \"Secret\" \"ns\" \"\" | len }}", "map[]|0"),
        ("{{ urlquery \"a b\" \"c\" }} {{ print }} {{ println }}", "a+bc  \n"),
        ("{{ printf \"%T %T %T\" 1 (len \"a\") 1.5 }}", "int int float64"),
        ("{{ with $x := .Values.m }}{{ $x.a }}{{ end }}", "1"),
        ("{{ $i := 0 }}{{ $v := 0 }}{{ range $i, $v = .Values.l }}{{ end }}{{ $i }}{{ $v }}", "1b"),
        (
            "{{ .Capabilities.APIVersions.Has \"v1\" }} {{ .Capabilities.KubeVersion.Major }} {{ \"v2\" | .Capabilities.APIVersions.Has }}",
            "true 1 false",
        ),
        ("{{ .Values.f1\n}}", "8080"),
        ("{{ and 1 0 2 }} {{ or 0 \"\" \"x\" }} {{ and 1 2 }} {{ or 0 \"\" }} {{ not .Values.nope }}", "0 x 2  true"),
        ("{{ required \"x\" .Values.s }} {{ required \"x\" 0 }} {{ required \"x\" false }}", "str 0 false"),
    ]);
}

#[test]
fn helm_error_cases() {
    check(&[
        (
            "a: {{ .Values.nope.b }}\n",
            "ERR: c/templates/t.yaml:1:13\n  executing \"c/templates/t.yaml\" at <.Values.nope.b>:\n    nil pointer evaluating interface {}.b",
        ),
        (
            "\n\na: {{ .Values.m.x.y.z }}\n",
            "ERR: c/templates/t.yaml:3:13\n  executing \"c/templates/t.yaml\" at <.Values.m.x.y.z>:\n    nil pointer evaluating interface {}.y",
        ),
        ("a: {{ required \"need x\" .Values.nope }}\n", "ERR: execution error at (c/templates/t.yaml:1:6): need x"),
        ("a: {{ fail \"boom\" }}\n", "ERR: execution error at (c/templates/t.yaml:1:6): boom"),
        ("a: {{ .Values.x }\n", "ERR: parse error at (c/templates/t.yaml:1): unexpected \"}\" in operand"),
        ("a\n{{ if .Values.x }}\n", "ERR: parse error at (c/templates/t.yaml:3): unexpected EOF"),
        ("a\n{{ nofunc 1 }}\n", "ERR: parse error at (c/templates/t.yaml:2): function \"nofunc\" not defined"),
        (
            "a: {{ eq .Values.f1 8080 }}\n",
            "ERR: template: c/templates/t.yaml:1:6: executing \"c/templates/t.yaml\" at <eq .Values.f1 8080>: error calling eq: incompatible types for comparison: float64 and int",
        ),
        (
            "{{ range $i, $v := 3 }}{{ $i }}{{ end }}\n",
            "ERR: c/templates/t.yaml:1:19\n  executing \"c/templates/t.yaml\" at <3>:\n    can't use 3 to iterate over more than one variable",
        ),
        (
            "{{ define \"b\" }}{{ .Values.nope.x }}{{ end }}a: {{ include \"b\" . }}\n",
            "ERR: c/templates/t.yaml:1:51\n  executing \"c/templates/t.yaml\" at <include \"b\" .>:\n    error calling include:\nc/templates/t.yaml:1:26\n  executing \"b\" at <.Values.nope.x>:\n    nil pointer evaluating interface {}.x",
        ),
        (
            "{{ define \"b\" }}{{ required \"deep\" .Values.nope }}{{ end }}a: {{ include \"b\" . }}\n",
            "ERR: execution error at (c/templates/t.yaml:1:65): deep",
        ),
        (
            "a: {{ tpl \"{{ .Values.nope.x }}\" . }}\n",
            "ERR: template: c/templates/t.yaml:1:6: executing \"c/templates/t.yaml\" at <tpl \"{{ .Values.nope.x }}\" .>: error calling tpl: error during tpl function execution for \"{{ .Values.nope.x }}\": template: gotpl:1:10: executing \"gotpl\" at <.Values.nope.x>: nil pointer evaluating interface {}.x",
        ),
        (
            "a: {{ tpl \"{{ template \\\"q\\\" }}\" . }}\n",
            "ERR: template: c/templates/t.yaml:1:6: executing \"c/templates/t.yaml\" at <tpl \"{{ template \\\"q\\\" }}\" .>: error calling tpl: error during tpl function execution for \"{{ template \\\"q\\\" }}\": template: gotpl:1:12: executing \"gotpl\" at <{{template \"q\"}}>: template \"q\" not defined",
        ),
        (
            "{{ $x := .Values.nope.x.y }}\n",
            "ERR: c/templates/t.yaml:1:16\n  executing \"c/templates/t.yaml\" at <.Values.nope.x.y>:\n    nil pointer evaluating interface {}.x",
        ),
        (
            "{{ .Values.s.foo }}\n",
            "ERR: c/templates/t.yaml:1:10\n  executing \"c/templates/t.yaml\" at <.Values.s.foo>:\n    can't evaluate field foo in type interface {}",
        ),
        (
            "{{ range .Values.l }}{{ .foo }}{{ end }}\n",
            "ERR: c/templates/t.yaml:1:24\n  executing \"c/templates/t.yaml\" at <.foo>:\n    can't evaluate field foo in type interface {}",
        ),
        (
            "{{ $x := .Values.s }}{{ $x.foo }}\n",
            "ERR: c/templates/t.yaml:1:26\n  executing \"c/templates/t.yaml\" at <$x.foo>:\n    can't evaluate field foo in type string",
        ),
        (
            "{{ .Values.m.a 1 }}\n",
            "ERR: c/templates/t.yaml:1:10\n  executing \"c/templates/t.yaml\" at <.Values.m.a>:\n    a is not a method but has arguments",
        ),
        (
            "{{ 1 2 }}\n",
            "ERR: c/templates/t.yaml:1:3\n  executing \"c/templates/t.yaml\" at <1>:\n    can't give argument to non-function 1",
        ),
        (
            "{{ index }}\n",
            "ERR: c/templates/t.yaml:1:3\n  executing \"c/templates/t.yaml\" at <index>:\n    wrong number of args for index: want at least 1 got 0",
        ),
        (
            "{{ len 3 }}\n",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <len 3>: error calling len: len of type int",
        ),
        (
            "{{ and }}",
            "ERR: c/templates/t.yaml:1:3\n  executing \"c/templates/t.yaml\" at <and>:\n    wrong number of args for and: want at least 1 got 0",
        ),
        (
            "{{ range \"abc\" }}{{ . }}{{ end }}",
            "ERR: c/templates/t.yaml:1:9\n  executing \"c/templates/t.yaml\" at <\"abc\">:\n    range can't iterate over abc",
        ),
        (
            "{{ range .Values.f3 }}{{ . }}{{ end }}",
            "ERR: c/templates/t.yaml:1:16\n  executing \"c/templates/t.yaml\" at <.Values.f3>:\n    range can't iterate over 0.5",
        ),
        (
            "{{ len .Values.nope }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <len .Values.nope>: error calling len: len of nil pointer",
        ),
        (
            "{{ $x := .Values.nope }}{{ len $x }}",
            "ERR: template: c/templates/t.yaml:1:27: executing \"c/templates/t.yaml\" at <len $x>: error calling len: reflect: call of reflect.Value.Type on zero Value",
        ),
        (
            "{{ index .Values.l 2 }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <index .Values.l 2>: error calling index: reflect: slice index out of range",
        ),
        (
            "{{ index .Values.m 1 }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <index .Values.m 1>: error calling index: value has type int; should be string",
        ),
        (
            "{{ index .Values.nope 1 }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <index .Values.nope 1>: error calling index: index of untyped nil",
        ),
        (
            "{{ eq .Values.m .Values.m }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <eq .Values.m .Values.m>: error calling eq: non-comparable type map[a:%!s(float64=1)]: map[string]interface {}",
        ),
        (
            "{{ eq .Values.l \"a\" }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <eq .Values.l \"a\">: error calling eq: incompatible types for comparison: []interface {} and string",
        ),
        (
            "{{ lt true false }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <lt true false>: error calling lt: invalid type for comparison",
        ),
        (
            "{{ lt 1 1.5 }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <lt 1 1.5>: error calling lt: incompatible types for comparison: int and float64",
        ),
        (
            "{{ (.Values.s).foo }}",
            "ERR: c/templates/t.yaml:1:11\n  executing \"c/templates/t.yaml\" at <.Values.s>:\n    can't evaluate field foo in type string",
        ),
        (
            "{{ printf .Values.f1 }}",
            "ERR: c/templates/t.yaml:1:17\n  executing \"c/templates/t.yaml\" at <.Values.f1>:\n    wrong type for value; expected string; got float64",
        ),
        (
            "{{ printf .Values.nope }}",
            "ERR: c/templates/t.yaml:1:17\n  executing \"c/templates/t.yaml\" at <.Values.nope>:\n    wrong type for value; expected string; got interface {}",
        ),
        (
            "{{ include 5 . }}",
            "ERR: c/templates/t.yaml:1:11\n  executing \"c/templates/t.yaml\" at <5>:\n    expected string; found 5",
        ),
        (
            "{{ include \"nope\" . }}",
            "ERR: c/templates/t.yaml:1:3\n  executing \"c/templates/t.yaml\" at <include \"nope\" .>:\n    error calling include:\ntemplate: no template \"nope\" associated with template \"gotpl\"",
        ),
        (
            "{{ tpl \"{{ .x \" . }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <tpl \"{{ .x \" .>: error calling tpl: cannot parse template \"{{ .x \": template: gotpl:1: unclosed action",
        ),
        (
            "{{ required 5 1 }}",
            "ERR: c/templates/t.yaml:1:12\n  executing \"c/templates/t.yaml\" at <5>:\n    expected string; found 5",
        ),
        (
            "{{ $x := 1 }}{{ $x = .Values.nope.x }}",
            "ERR: c/templates/t.yaml:1:28\n  executing \"c/templates/t.yaml\" at <.Values.nope.x>:\n    nil pointer evaluating interface {}.x",
        ),
        (
            "{{ .Values.s 1 }}",
            "ERR: c/templates/t.yaml:1:10\n  executing \"c/templates/t.yaml\" at <.Values.s>:\n    s is not a method but has arguments",
        ),
        (
            "{{ nil }}",
            "ERR: c/templates/t.yaml:1:3\n  executing \"c/templates/t.yaml\" at <nil>:\n    nil is not a command",
        ),
        (
            "{{ (nil).a }}",
            "ERR: c/templates/t.yaml:1:4\n  executing \"c/templates/t.yaml\" at <nil>:\n    nil is not a command",
        ),
        (
            "{{ call .Values.s }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <call .Values.s>: error calling call: non-function .Values.s of type string",
        ),
        (
            "{{ lt .Values.nope 1 }}",
            "ERR: template: c/templates/t.yaml:1:3: executing \"c/templates/t.yaml\" at <lt .Values.nope 1>: error calling lt: invalid type for comparison",
        ),
    ]);
}

#[test]
fn go_exec_cases() {
    check(&[
        ("{{if true}}TRUE{{end}}", "TRUE"),
        ("{{if false}}TRUE{{else}}FALSE{{end}}", "FALSE"),
        ("{{if 1}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO"),
        ("{{if 0}}NON-ZERO{{else}}ZERO{{end}}", "ZERO"),
        ("{{if 1.5}}NON-ZERO{{else}}ZERO{{end}}", "NON-ZERO"),
        ("{{if ``}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY"),
        ("{{if `notempty`}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY"),
        ("{{if .Values.empty}}NON-EMPTY{{else}}EMPTY{{end}}", "EMPTY"),
        ("{{if .Values.l}}NON-EMPTY{{else}}EMPTY{{end}}", "NON-EMPTY"),
        ("{{if .Values.m.none}}NON-ZERO{{else}}ZERO{{end}}", "ZERO"),
        ("{{if not .Values.m.none}}ZERO{{else}}NON-ZERO{{end}}", "ZERO"),
        ("{{if $x := true}}{{with $y := 17}}{{$x}},{{$y}}{{end}}{{end}}", "true,17"),
        ("{{if $x := true}}{{with $x := 17}}{{$x}},{{end}}{{$x}}{{end}}", "17,true"),
        ("{{if false}}FALSE{{else if true}}TRUE{{end}}", "TRUE"),
        ("{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", "3"),
        ("{{print \"hello, print\"}}", "hello, print"),
        ("{{print 1 2 3}}", "1 2 3"),
        ("{{print nil}}", "<nil>"),
        ("{{println 1 2 3}}", "1 2 3\n"),
        ("{{printf \"%04x\" 127}}", "007f"),
        ("{{printf \"%g\" 3.5}}", "3.5"),
        ("{{printf \"%s\" \"hello\"}}", "hello"),
        ("{{with 17}}{{printf \"%d\" .}}{{end}}", "17"),
        ("{{with $x := 17}}{{printf \"%d\" $x}}{{end}}", "17"),
        ("{{html \"<script>alert(\\\"XSS\\\");</script>\"}}", "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;"),
        (
            "{{printf \"<script>alert(\\\"XSS\\\");</script>\" | html}}",
            "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;",
        ),
        ("{{js `It'd be nice.`}}", "It\\'d be nice."),
        ("{{\"http://www.example.org/\"|urlquery}}", "http%3A%2F%2Fwww.example.org%2F"),
        ("{{not true}} {{not false}}", "false true"),
        ("{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", "false 0 0 1"),
        ("{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", "0 1 true 1"),
        ("{{or 0 1 (boom)}}", "1"),
        ("{{and 1 0 (boom)}}", "0"),
        ("{{1 | and 1}}", "1"),
        ("{{0 | and 1}}", "0"),
        ("{{1 | or 0}}", "1"),
        ("{{0 | or 0}}", "0"),
        ("{{and 1 .Unknown}}", ""),
        ("{{or 0 .Unknown}}", ""),
        ("{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", "TRUE"),
        ("{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", "FALSE"),
        ("{{if true | not | and 1}}TRUE{{else}}FALSE{{end}}", "FALSE"),
        ("{{index .Values.l5 0}}", "1"),
        ("{{index .Values.m `a`}}", "1"),
        ("{{index .Values.m ``}}", ""),
        ("{{slice .Values.l5}}", "[1 2 3 4 5]"),
        ("{{slice .Values.l5 1}}", "[2 3 4 5]"),
        ("{{slice .Values.l5 1 2}}", "[2]"),
        ("{{slice .Values.s}}", "str"),
        ("{{slice .Values.s 0 1}}", "s"),
        ("{{slice .Values.s 1}}", "tr"),
        ("{{with true}}{{.}}{{end}}", "true"),
        ("{{with false}}{{.}}{{else}}FALSE{{end}}", "FALSE"),
        ("{{with 1}}{{.}}{{else}}ZERO{{end}}", "1"),
        ("{{with 0}}{{.}}{{else}}ZERO{{end}}", "ZERO"),
        ("{{with 1.5}}{{.}}{{else}}ZERO{{end}}", "1.5"),
        ("{{with ``}}{{.}}{{else}}EMPTY{{end}}", "EMPTY"),
        ("{{with `notempty`}}{{.}}{{else}}EMPTY{{end}}", "notempty"),
        ("{{with .Values.empty}}{{.}}{{else}}EMPTY{{end}}", "EMPTY"),
        ("{{with .Values.l}}{{.}}{{else}}EMPTY{{end}}", "[a b]"),
        ("{{with .Values.m}}{{.}}{{else}}EMPTY{{end}}", "map[a:1]"),
        ("{{with $x := $}}{{$y := $x.Values.s}}{{$y}}{{end}}", "str"),
        ("{{range .Values.l5}}-{{.}}-{{end}}", "-1--2--3--4--5-"),
        ("{{range .Values.empty}}-{{.}}-{{end}}", ""),
        ("{{range .Values.empty}}-{{.}}-{{else}}EMPTY{{end}}", "EMPTY"),
        ("{{range .Values.l5}}-{{.}}-{{break}}NOTREACHED{{else}}EMPTY{{end}}", "-1-"),
        ("{{range .Values.l5}}-{{.}}-{{continue}}NOTREACHED{{else}}EMPTY{{end}}", "-1--2--3--4--5-"),
        ("{{range .Values.m2}}-{{.}}-{{end}}", "-2--x--1-"),
        ("{{range .Values.nope}}-{{.}}-{{end}}", ""),
        ("{{range $x := .Values.l}}<{{$x}}>{{end}}", "<a><b>"),
        ("{{range $x, $y := .Values.l}}<{{$x}}={{$y}}>{{end}}", "<0=a><1=b>"),
        ("{{range $x, $y := .Values.m}}<{{$x}}={{$y}}>{{end}}", "<a=1>"),
        ("{{range $x := .Values.l}}<{{$foo:=$x}}{{$x}}>{{end}}", "<a><b>"),
        ("{{or .Values.l \"slice is empty\"}}", "[a b]"),
        ("{{or .Values.empty \"slice is empty\"}}", "slice is empty"),
        ("{{print 1234}}", "1234"),
        ("{{print 12_34}}", "1234"),
        ("{{print 0b101}}", "5"),
        ("{{print 0b_1_0_1}}", "5"),
        ("{{print 0B101}}", "5"),
        ("{{print 0377}}", "255"),
        ("{{print 0o377}}", "255"),
        ("{{print 0o_3_7_7}}", "255"),
        ("{{print 0x123}}", "291"),
        ("{{print 0x1_23}}", "291"),
        ("{{print 0X123ABC}}", "1194684"),
        ("{{print 123.4}}", "123.4"),
        ("{{print 0_0_1_2_3.4}}", "123.4"),
        ("{{print +0x1.ep+2}}", "7.5"),
        ("{{print +0x_1.e_0p+0_2}}", "7.5"),
        ("{{print +0X1.EP+2}}", "7.5"),
        ("{{print 1_2_3_4 7.5_00_00_00}}", "1234 7.5"),
        ("{{print 1234 0x0_1.e_0p+02}}", "1234 7.5"),
        ("{{printf `%T` 0xef}}", "int"),
        ("{{printf `%T` 0XEE}}", "int"),
        ("{{print (.Values).s}}", "str"),
        ("{{($).Values.s}}", "str"),
        ("{{(dict \"up\" \"down\" \"left\" \"right\").left}}", "right"),
        ("{{printf `%d %d %d` (1) (2) (3)}}", "1 2 3"),
        ("{{\"aaa\"|printf }}", "aaa"),
        ("{{printf \"%v\" 'x'}}", "120"),
        ("{{printf \"%c\" 'x'}}", "x"),
        ("{{printf \"%q\" '\\n'}}", "'\\n'"),
        ("{{ 'a' | printf \"%v\" }}", "97"),
        ("{{range .Values.l}}{{if $.Values.s}}X{{end}}{{end}}", "XX"),
        ("{{with $x := .}}{{with .Values}}{{$.Values.s}}{{end}}{{end}}", "str"),
        ("{{upper \"x\" | printf \"%s!\"}}", "X!"),
    ]);
}

#[test]
fn go_exec_error_cases() {
    let errs = [
        "{{if nil}}TRUE{{end}}",
        "{{index .Values.l5 10}}",
        "{{index .Values.l5 `hello`}}",
        "{{index .Values.l5 nil}}",
        "{{index .Values.m nil}}",
        "{{index .Values.m 10}}",
        "{{index nil 1}}",
        "{{slice .Values.l5 -1}}",
        "{{slice .Values.l5 1 -2}}",
        "{{slice .Values.l5 2 1}}",
        "{{slice .Values.l5 6 7}}",
        "{{slice .Values.s 1 5}}",
        "{{slice .Values.s 1 2 2}}",
        "{{len 3}}",
        "{{call nil}}",
        "{{3 2}}",
        "{{$x := 1}}{{$x 2}}",
        "{{$x := 1}}{{3 | $x}}",
        "{{(nil).True}}",
        "{{$x := (1.0)}}{{$y := (\"hello\")}}{{$x.anything}}{{$y.true}}",
        "{{true|printf}}",
        "{{1|printf}}",
        "{{1.1|printf}}",
        "{{'x'|printf}}",
        "{{or 0 0 (boom)}}",
        "{{and 1 1 (boom)}}",
        "{{1i}}",
        "{{template \"nope\"}}",
    ];
    for t in errs {
        assert!(render(t).is_err(), "{t:?} should fail, got {:?}", render(t));
    }
    check(&[
        (
            "{{if nil}}TRUE{{end}}",
            "ERR: c/templates/t.yaml:1:5\n  executing \"c/templates/t.yaml\" at <nil>:\n    nil is not a command",
        ),
        (
            "{{$x := 1.0}}{{$x.anything}}",
            "ERR: c/templates/t.yaml:1:17\n  executing \"c/templates/t.yaml\" at <$x.anything>:\n    can't evaluate field anything in type float64",
        ),
        (
            "{{true|printf}}",
            "ERR: c/templates/t.yaml:1:7\n  executing \"c/templates/t.yaml\" at <printf>:\n    wrong type for value; expected string; got bool",
        ),
        (
            "{{upper 1}}",
            "ERR: c/templates/t.yaml:1:8\n  executing \"c/templates/t.yaml\" at <1>:\n    expected string; found 1",
        ),
        (
            "{{upper .Values.nope}}",
            "ERR: c/templates/t.yaml:1:15\n  executing \"c/templates/t.yaml\" at <.Values.nope>:\n    wrong type for value; expected string; got interface {}",
        ),
        (
            "{{upper .Values.f1}}",
            "ERR: c/templates/t.yaml:1:15\n  executing \"c/templates/t.yaml\" at <.Values.f1>:\n    wrong type for value; expected string; got float64",
        ),
        (
            "{{upper}}",
            "ERR: c/templates/t.yaml:1:2\n  executing \"c/templates/t.yaml\" at <upper>:\n    wrong number of args for upper: want 1 got 0",
        ),
        (
            "{{boom 1 2}}",
            "ERR: template: c/templates/t.yaml:1:2: executing \"c/templates/t.yaml\" at <boom 1 2>: error calling boom: it broke",
        ),
        (
            "{{ .Capabilities.APIVersions.Has }}",
            "ERR: c/templates/t.yaml:1:16\n  executing \"c/templates/t.yaml\" at <.Capabilities.APIVersions.Has>:\n    wrong number of args for Has: want 1 got 0",
        ),
        (
            "{{ .Capabilities.Nope }}",
            "ERR: c/templates/t.yaml:1:16\n  executing \"c/templates/t.yaml\" at <.Capabilities.Nope>:\n    can't evaluate field Nope in type interface {}",
        ),
        (
            "{{template \"nope\"}}",
            "ERR: c/templates/t.yaml:1:11\n  executing \"c/templates/t.yaml\" at <{{template \"nope\"}}>:\n    template \"nope\" not defined",
        ),
    ]);
}

#[test]
fn defines_and_template_calls() {
    let files = [
        (
            "c/templates/_helpers.tpl",
            "{{- define \"c.name\" -}}\nname-{{ .Values.s }}\n{{- end }}\n{{ define \"c.empty\" }}{{ end }}",
        ),
        (
            "c/templates/a.yaml",
            "a: {{ include \"c.name\" . }}\nb: {{ template \"c.name\" . }}\nc: [{{ template \"c.empty\" }}]",
        ),
    ];
    assert_eq!(render_files(&files, "c/templates/a.yaml").unwrap(), "a: name-str\nb: name-str\nc: []");
    // A later file redefines; an empty redefinition does not replace a non-empty one.
    let files = [
        ("c/templates/_a.tpl", "{{ define \"x\" }}A{{ end }}"),
        ("c/templates/_b.tpl", "{{ define \"x\" }}B{{ end }}"),
        ("c/templates/_c.tpl", "{{ define \"x\" }}  {{ end }}"),
        ("c/templates/t.yaml", "{{ template \"x\" }}"),
    ];
    assert_eq!(render_files(&files, NAME).unwrap(), "B");
    // The top level of a file holding only defines renders to whitespace.
    let files = [("c/templates/_h.tpl", "{{ define \"y\" }}Y{{ end }}\n")];
    assert_eq!(render_files(&files, "c/templates/_h.tpl").unwrap(), "\n");
    // Template invocations inherit no variables; $ is the new dot.
    assert_eq!(
        render("{{ define \"v\" }}{{ $ }}|{{ . }}{{ end }}{{ $x := 1 }}{{ template \"v\" 5 }}|{{ template \"v\" }}")
            .unwrap(),
        "5|5||"
    );
    // tpl sees the set's defines and its own; its defines do not leak.
    let files = [
        ("c/templates/_h.tpl", "{{ define \"h\" }}H{{ .Values.s }}{{ end }}"),
        (
            "c/templates/t.yaml",
            "{{ tpl \"{{ include \\\"h\\\" . }}{{ define \\\"in\\\" }}I{{ end }}{{ template \\\"in\\\" }}\" . }}",
        ),
    ];
    assert_eq!(render_files(&files, NAME).unwrap(), "HstrI");
    assert!(render("{{ tpl \"{{ define \\\"in2\\\" }}I{{ end }}\" . }}{{ template \"in2\" }}").is_err());
    // tpl strips <no value>; include does not (Helm strips it from the whole file later).
    assert_eq!(render("{{ tpl \"[{{ .Values.nope }}]\" . | len }}").unwrap(), "2");
    assert_eq!(render("{{ define \"nv\" }}{{ .Values.nope }}{{ end }}{{ include \"nv\" . | len }}").unwrap(), "10");
}

#[test]
fn whitespace_and_comments() {
    check(&[
        ("a\n  {{- \"x\" }}\n  b", "ax\n  b"),
        ("a {{ \"x\" -}}\n\n  b", "a xb"),
        ("{{- /* c */ -}}\n  x", "x"),
        ("x {{/* multi\nline */}} y", "x  y"),
        ("{{ 3 -}}\r\n\t z", "3z"),
        ("{{ \"a\"\n  | printf \"%s-\" }}", "a-"),
        ("{{`raw\\n`}}", "raw\\n"),
        ("{{\"a\\tb\\u00e9\\x41\"}}", "a\tbéA"),
        ("{{ `a\r\nb` }}", "a\nb"),
    ]);
}

#[test]
fn line_map_points_at_sources() {
    let mut t = Templates::new(test_funcs());
    t.add("c/templates/_h.tpl", "{{- define \"labels\" -}}\napp: x\ntier: y\n{{- end }}\n").unwrap();
    t.add(
        NAME,
        "kind: A\nmetadata:\n  labels:\n    {{- include \"labels\" . | nindent 4 }}\n  name: {{ .Values.s }}\n{{ template \"labels\" }}\n\n",
    )
    .unwrap();
    let r = t.execute(NAME, &dot(), &mut FuncEnv::default()).unwrap();
    assert_eq!(r.text, "kind: A\nmetadata:\n  labels:\n    app: x\n    tier: y\n  name: str\napp: x\ntier: y\n\n");
    let lines: Vec<Option<(String, u32)>> =
        r.lines.iter().map(|l| l.as_ref().map(|l| (l.src.to_string(), l.line))).collect();
    let f = |n: u32| Some((NAME.to_string(), n));
    let h = |n: u32| Some(("c/templates/_h.tpl".to_string(), n));
    assert_eq!(lines, vec![f(1), f(2), f(3), h(2), h(3), f(5), h(2), h(3), None, None]);
    // An include result printed by the file names the line that printed it; `template` writes
    // in place and needs no call site.
    let calls: Vec<Option<u32>> =
        r.lines.iter().map(|l| l.as_ref().and_then(|l| l.call.as_ref()).map(|(_, n)| *n)).collect();
    assert_eq!(calls, vec![None, None, None, Some(4), Some(4), None, None, None, None, None]);
}

#[test]
fn no_value_stripping_keeps_line_map() {
    let mut t = Templates::new(test_funcs());
    t.add(NAME, "a: {{ .Values.nope }}{{ .Values.nope }}x\nb: {{ .Values.nope }}\n{{ .Values.nope }}\n").unwrap();
    let r = t.execute(NAME, &dot(), &mut FuncEnv::default()).unwrap();
    assert_eq!(r.text, "a: x\nb: \n\n");
    assert_eq!(r.lines.len(), 4);
    assert_eq!(r.lines[0].as_ref().map(|l| l.line), Some(1));
    assert_eq!(r.lines[1].as_ref().map(|l| l.line), Some(2));
    assert!(r.lines[2].is_none());
}

#[test]
fn recursion_is_bounded() {
    let t = "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}";
    let i = "{{ define \"r\" }}x{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}";
    let p = "{{ define \"r\" }}{{ tpl \"{{ include \\\"r\\\" . }}\" . }}{{ end }}{{ include \"r\" . }}";
    let deep_if = format!("{}x{}", "{{ if 1 }}".repeat(5000), "{{ end }}".repeat(5000));
    let deep_paren = format!("{{{{ {}1{} }}}}", "(".repeat(5000), ")".repeat(5000));
    let deep_define = format!(
        "{{{{ define \"r\" }}}}{}{{{{ template \"r\" . }}}}{}{{{{ end }}}}{{{{ template \"r\" . }}}}",
        "{{ with 1 }}".repeat(100),
        "{{ end }}".repeat(100)
    );
    // Rayon worker threads have 2 MiB stacks; the debug build must survive there too.
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || [t, i, p, &deep_if, &deep_paren, &deep_define].map(render))
        .unwrap();
    let [a, b, c, d, e, f] = h.join().unwrap();
    assert!(a.unwrap_err().contains("exceeded maximum template depth"));
    assert!(b.unwrap_err().contains("rendering template has a nested reference name: r: unable to execute template"));
    assert!(c.is_err());
    assert!(d.unwrap_err().contains("max nesting depth exceeded"));
    assert!(e.unwrap_err().contains("max expression depth exceeded"));
    assert!(f.is_err());
}

#[test]
fn output_is_capped() {
    let mut t = Templates::new(test_funcs());
    t.add(NAME, "{{ range $i := 200000000 }}{{ \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" }}{{ end }}")
        .unwrap();
    let e = t.execute(NAME, &dot(), &mut FuncEnv::default()).unwrap_err();
    assert!(e.message.contains("rendered output exceeds"), "{}", e.message);
}

#[test]
fn api_basics() {
    let mut t = Templates::new(FuncTable::new());
    t.add("b", "{{ define \"d\" }}{{ end }}").unwrap();
    t.add("a", "x").unwrap();
    assert_eq!(t.names().collect::<Vec<_>>(), vec!["b", "d", "a"]);
    let e = t.execute("zz", &Value::Nil, &mut FuncEnv::default()).unwrap_err();
    assert_eq!(e.message, "template: no template \"zz\" associated with template \"gotpl\"");
    let e = t.add("x", "{{ upper 1 }}").unwrap_err();
    assert_eq!(e.message, "parse error at (x:1): function \"upper\" not defined");
    assert_eq!(e.location.map(|l| l.1), Some(1));
    assert_eq!(format!("{}", Value::Float(1e8)), "1e+08");
    assert_eq!(t.execute("a", &Value::Nil, &mut FuncEnv::default()).unwrap().text, "x");
}

#[test]
fn helm_printf_cases() {
    check(&[
        (
            "{{ printf \"%q|%x|%X|% x|%#x|%#q|%+q\" \"héllo\\n\" \"hi\" \"hi\" \"hi\" \"hi\" \"a`b\" \"é\" }}",
            "\"héllo\\n\"|6869|6869|68 69|0x6869|\"a`b\"|\"\\u00e9\"",
        ),
        (
            "{{ printf \"%-6v|%6v|%06.2f|%+.3e|%x|%o|%#o|%b\" \"ab\" 1.5 3.14159 1234.5 -255 8 8 -5 }}",
            "ab    |   1.5|003.14|+1.234e+03|-ff|10|010|-101",
        ),
        (
            "{{ printf \"%.3g|%.10g|%g|%G|%.0e|%#g|%#.3g|%e\" 1234567.0 1.0 1e-5 1e-10 15.0 1.0 1.0 1e100 }}",
            "1.23e+06|1|1e-05|1E-10|2e+01|1.00000|1.00|1.000000e+100",
        ),
        (
            "{{ printf \"%v|%+v|%#v|%v\" .Values.l .Values.m .Values.m .Values.nested }}",
            "[a b]|map[a:1]|map[string]interface {}{\"a\":1}|map[a:[1 map[b:<nil>]] c:true]",
        ),
        (
            "{{ printf \"%T|%T|%T|%T\" .Values.m .Values.s true .Values.nope }}",
            "map[string]interface {}|string|bool|<nil>",
        ),
        ("{{ printf \"%c%c|%U|%#U|%q\" 72 105 0x1F600 0x1F600 0x1F600 }}", "Hi|U+1F600|U+1F600 '😀'|'😀'"),
        ("{{ printf \"%5s|%-5s|%5.1s|%05s|%.0s\" \"é\" \"é\" \"héllo\" \"ab\" \"zz\" }}", "    é|é    |    h|000ab|"),
        ("{{ printf \"%#v|%#v|%#v|%#v\" 1 1.5 .Values.l nil }}", "1|1.5|[]interface {}{\"a\", \"b\"}|<nil>"),
        ("a\n{{- range .Values.l }}\n  - {{ . }}\n{{- end }}\nb: {{- \" x\" }}\n", "a\n  - a\n  - b\nb: x\n"),
    ]);
}

#[test]
fn helm_nested_error_cases() {
    check(&[
        (
            "{{ define \"a\" }}A{{ include \"b\" . }}{{ end }}{{ define \"b\" }}B{{ .Values.nope.q }}{{ end }}{{ include \"a\" . }}",
            "ERR: c/templates/t.yaml:1:94\n  executing \"c/templates/t.yaml\" at <include \"a\" .>:\n    error calling include:\nc/templates/t.yaml:1:20\n  executing \"a\" at <include \"b\" .>:\n    error calling include:\nc/templates/t.yaml:1:72\n  executing \"b\" at <.Values.nope.q>:\n    nil pointer evaluating interface {}.q",
        ),
        (
            "{{ define \"a\" }}\nx {{ .Values.nope.q }}{{ end }}{{ template \"a\" . }}",
            "ERR: c/templates/t.yaml:2:12\n  executing \"a\" at <.Values.nope.q>:\n    nil pointer evaluating interface {}.q",
        ),
        (
            "{{ define \"a\" }}{{ len 3 }}{{ end }}\n{{ include \"a\" . }}",
            "ERR: template: c/templates/t.yaml:2:3: executing \"c/templates/t.yaml\" at <include \"a\" .>: error calling include: template: c/templates/t.yaml:1:19: executing \"a\" at <len 3>: error calling len: len of type int",
        ),
        (
            "{{ define \"a\" }}{{ fail \"inner\" }}{{ end }}{{ tpl \"{{ include \\\"a\\\" . }}\" . }}",
            "ERR: execution error at (c/templates/t.yaml:1:46): inner",
        ),
        (
            "{{ $x = 1 }}",
            "ERR: c/templates/t.yaml:1:8\n  executing \"c/templates/t.yaml\" at <1>:\n    undefined variable: $x",
        ),
    ]);
    let files = [
        ("c/templates/_h.tpl", "{{ define \"h\" }}\n\n  {{ .Values.nope.z }}{{ end }}"),
        (NAME, "x: {{ include \"h\" . }}"),
    ];
    let mut t = Templates::new(test_funcs());
    for (n, text) in files {
        t.add(n, text).unwrap();
    }
    let e = t.execute(NAME, &dot(), &mut FuncEnv::default()).unwrap_err();
    assert_eq!(
        e.message,
        "c/templates/t.yaml:1:6\n  executing \"c/templates/t.yaml\" at <include \"h\" .>:\n    error calling include:\nc/templates/_h.tpl:3:12\n  executing \"h\" at <.Values.nope.z>:\n    nil pointer evaluating interface {}.z"
    );
    assert_eq!(e.location.map(|(f, l)| (f.to_string(), l)), Some(("c/templates/_h.tpl".to_string(), 3)));
}
