package io.github.undertowstreaming.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results of one run: the machine, the settings, and one table per section, written as
 * {@code results.json} and {@code results.md}. Rows keep raw numbers; Markdown rounds them.
 * Filled and written by the benchmark's main thread only.
 */
final class Report {

    final Map<String, Object> header = new LinkedHashMap<>();
    final List<Section> sections = new ArrayList<>();

    /** One section: a title, notes on how it was measured, and a table. */
    static final class Section {
        final String id;
        final String title;
        final List<String> notes = new ArrayList<>();
        final List<String> columns;
        final List<Map<String, Object>> rows = new ArrayList<>();

        Section(String id, String title, String... columns) {
            this.id = id;
            this.title = title;
            this.columns = List.of(columns);
        }

        /** Adds a row; {@code cells} are the values of the columns, in order. */
        Map<String, Object> row(Object... cells) {
            if (cells.length != columns.size()) {
                throw new IllegalArgumentException(title + ": " + cells.length + " cells for " + columns.size() + " columns");
            }
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < cells.length; i++) {
                row.put(columns.get(i), cells[i]);
            }
            rows.add(row);
            return row;
        }

        Section note(String note) {
            notes.add(note);
            return this;
        }
    }

    Section section(String id, String title, String... columns) {
        Section s = new Section(id, title, columns);
        sections.add(s);
        return s;
    }

    void writeJson(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>(header);
        List<Object> list = new ArrayList<>();
        for (Section s : sections) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", s.id);
            m.put("title", s.title);
            m.put("notes", s.notes);
            m.put("rows", s.rows);
            list.add(m);
        }
        root.put("sections", list);
        StringBuilder sb = new StringBuilder();
        json(sb, root, "");
        Files.writeString(file, sb.append('\n'), StandardCharsets.UTF_8);
    }

    /** Writes the report as Markdown; {@code chartName} is the chart's file beside it, or null for none. */
    void writeMarkdown(Path file, String chartName) throws IOException {
        StringBuilder sb = new StringBuilder("# undertow-streaming benchmark results\n\n");
        for (Map.Entry<String, Object> e : header.entrySet()) {
            sb.append("- **").append(e.getKey()).append("**: ").append(cell(e.getValue())).append('\n');
        }
        if (chartName != null) {
            sb.append("\n![chart](").append(chartName).append(")\n");
        }
        for (Section s : sections) {
            sb.append("\n## ").append(s.title).append("\n\n");
            for (String n : s.notes) {
                sb.append("- ").append(n).append('\n');
            }
            sb.append('\n').append('|');
            for (String c : s.columns) {
                sb.append(' ').append(c).append(" |");
            }
            sb.append("\n|");
            for (int i = 0; i < s.columns.size(); i++) {
                sb.append(i == 0 ? "---|" : "---:|");
            }
            for (Map<String, Object> row : s.rows) {
                sb.append("\n|");
                for (Object v : row.values()) {
                    sb.append(' ').append(cell(v)).append(" |");
                }
            }
            sb.append('\n');
        }
        Files.writeString(file, sb, StandardCharsets.UTF_8);
    }

    /** A number rounded for reading: 3 significant digits, at most 2 decimals. */
    static String cell(Object v) {
        if (v == null) {
            return "–";
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) {
                return "–";
            }
            double a = Math.abs(d);
            return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 0.1 || a == 0 ? "%.2f" : "%.2g", d);
        }
        return String.valueOf(v);
    }

    private static void json(StringBuilder sb, Object v, String indent) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Map<?, ?> m) {
            sb.append("{");
            String inner = indent + "  ";
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "\n" : ",\n").append(inner);
                string(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                json(sb, e.getValue(), inner);
                first = false;
            }
            sb.append(first ? "}" : "\n" + indent + "}");
        } else if (v instanceof List<?> l) {
            sb.append("[");
            String inner = indent + "  ";
            boolean first = true;
            for (Object o : l) {
                sb.append(first ? "\n" : ",\n").append(inner);
                json(sb, o, inner);
                first = false;
            }
            sb.append(first ? "]" : "\n" + indent + "]");
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            sb.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "null");
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else {
            string(sb, String.valueOf(v));
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
