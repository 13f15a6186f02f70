// SQL editor for Workbench: CodeMirror 6 with Postgres highlighting, schema-aware completion
// (schemas, tables, columns, alias.column), Mod-Enter to run the selection or the whole text,
// and the database's error marked at its position. Bundled: nothing loads from a CDN.
import React, { useEffect, useMemo, useRef } from "react";
import CodeMirror from "@uiw/react-codemirror";
import { sql, PostgreSQL } from "@codemirror/lang-sql";
import { keymap } from "@codemirror/view";
import { Prec, StateEffect } from "@codemirror/state";
import { linter, lintGutter } from "@codemirror/lint";

// Dispatched when the server reports a new error (or none), so the error mark is redrawn.
const errorChanged = StateEffect.define();

// [text to run, its offset in the document] so error positions land in the right place.
function selectedOrAll(view) {
  const range = view.state.selection.main;
  return range.empty ? [view.state.doc.toString(), 0] : [view.state.sliceDoc(range.from, range.to), range.from];
}

export function SqlEditor({ value, revision, schema, errorPos, errorMessage, onChange, onRun, height, id }) {
  const viewRef = useRef(null);
  // The editor owns its text while the user types: the server's echo of an older keystroke must not
  // overwrite newer ones. The server replaces the text (Format, Load) by bumping `revision`.
  const initialValue = useRef(value).current;
  const valueRef = useRef(value);
  valueRef.current = value;
  const runRef = useRef(onRun);
  runRef.current = onRun;
  const errorRef = useRef({ pos: errorPos, message: errorMessage });
  errorRef.current = { pos: errorPos, message: errorMessage };

  const runKeys = useMemo(() => Prec.highest(keymap.of([{
    key: "Mod-Enter",
    run: (view) => { if (runRef.current) runRef.current(...selectedOrAll(view)); return true; },
  }])), []);

  const errorMarks = useMemo(() => linter((view) => {
    const { pos, message } = errorRef.current;
    if (pos === null || pos === undefined || pos < 0) return [];
    const length = view.state.doc.length;
    const from = Math.min(pos, length);
    let to = from;
    const text = view.state.doc.toString();
    while (to < length && /[\w."$]/.test(text[to])) to += 1;
    if (to === from) to = Math.min(from + 1, length);
    return [{ from, to, severity: "error", message: message || "Error" }];
  }, {
    delay: 0,
    needsRefresh: (update) => update.transactions.some((tr) => tr.effects.some((e) => e.is(errorChanged))),
  }), []);

  const extensions = useMemo(() => [
    sql({ dialect: PostgreSQL, schema: schema || {}, upperCaseKeywords: true }),
    runKeys, errorMarks, lintGutter(),
  ], [schema, runKeys, errorMarks]);

  useEffect(() => {
    if (viewRef.current) viewRef.current.dispatch({ effects: errorChanged.of(null) });
  }, [errorPos, errorMessage]);

  useEffect(() => {
    const view = viewRef.current;
    const next = valueRef.current;
    if (!view || next === undefined || next === view.state.doc.toString()) return;
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: next } });
  }, [revision]);

  return (
    <div id={id} className="wb-sql-editor" style={{ border: "1px solid var(--gray-6)", borderRadius: 6, width: "100%" }}>
      <CodeMirror
        value={initialValue}
        height={height || "260px"}
        extensions={extensions}
        onChange={(text) => onChange && onChange(text)}
        onCreateEditor={(view) => {
          viewRef.current = view;
          window.wbSqlEditor = view;
          window.wbRunSelection = () => { if (runRef.current) runRef.current(...selectedOrAll(view)); };
          window.wbInsertText = (text) => {
            const at = view.state.selection.main.head;
            view.dispatch({ changes: { from: at, insert: text }, selection: { anchor: at + text.length } });
            view.focus();
          };
        }}
      />
    </div>
  );
}
