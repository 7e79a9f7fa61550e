"""A minimal streaming XLSX writer for very large single tables (member statements).

openpyxl builds a Python object per cell, which for 20,000 members' statements
(≈ 2 million cells) takes minutes; this writes the sheet XML straight into the
zip, row by row. The result is an ordinary workbook: amounts are real numbers
with the ``#,##0.00`` format (written exactly from integer kobo, never through
a float), dates real dates (``yyyy-mm-dd``), emphasised rows bold, the header
row frozen and repeated on printed pages, columns sized, document properties set.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

_EPOCH = date(1899, 12, 30).toordinal()

# cellXfs: 0 normal, 1 money, 2 date, 3 bold, 4 bold money, 5 title, 6 header, 7 italic small
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="#,##0.00"/>\
<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>
<fonts count="4"><font><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="11"/><name val="Calibri"/></font>\
<font><b/><sz val="14"/><name val="Calibri"/></font>\
<font><i/><sz val="8"/><color rgb="FF777777"/><name val="Calibri"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill>\
<fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFDCE6F0"/></patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="8">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="164" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" \
applyFont="1"/>
<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/>
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>
<xf numFmtId="0" fontId="3" fillId="0" borderId="0" xfId="0" applyFont="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/docProps/core.xml" \
ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>"""

_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" \
Target="xl/workbook.xml"/>
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" \
Target="docProps/core.xml"/>
</Relationships>"""

_WB_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" \
Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" \
Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" \
Target="styles.xml"/>
</Relationships>"""


def _letters(n: int) -> list[str]:
    out = []
    for i in range(1, n + 1):
        s, k = "", i
        while k:
            k, r = divmod(k - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


def kobo_text(kobo: int) -> str:
    """Exact decimal text of an integer kobo amount: ``1250050`` → ``12500.50``."""
    sign = "-" if kobo < 0 else ""
    q, r = divmod(abs(kobo), 100)
    return f"{sign}{q}.{r:02d}"


def write_table(
    path: Path | str,
    *,
    sheet: str,
    title_rows: Sequence[str],
    header: Sequence[str],
    kinds: Sequence[str],
    widths: Sequence[int],
    rows: Iterable[tuple[tuple[Any, ...], bool]],
    footer: str,
    creator: str,
    generated_at: datetime,
) -> None:
    """Write one sheet. ``rows`` yields (values, bold); kinds: text | kobo | date | int.

    ``kobo`` values are integer minor units (or None); ``date`` values are dates.
    """
    cols = _letters(len(header))
    sheet_name = escape(sheet[:31])
    first = len(title_rows) + 2  # header row number (a blank line after the titles)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets>'
            '<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'
            f"'{sheet_name}'!${first}:${first}</definedName></definedNames></workbook>",
        )
        stamp = generated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        z.writestr(
            "docProps/core.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(sheet)}</dc:title><dc:creator>{escape(creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            "</cp:coreProperties>",
        )
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            w = fh.write
            w(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<sheetViews><sheetView workbookViewId="0">'
            )
            w(
                f'<pane ySplit="{first}" topLeftCell="A{first + 1}" activePane="bottomLeft" '
                'state="frozen"/></sheetView></sheetViews><cols>'.encode()
            )
            w(
                "".join(
                    f'<col min="{i}" max="{i}" width="{wd}" customWidth="1"/>'
                    for i, wd in enumerate(widths, 1)
                ).encode()
            )
            w(b"</cols><sheetData>")
            buf: list[str] = []
            for r, text in enumerate(title_rows, 1):
                style = 5 if r == 1 else 3 if r == 2 else 0
                buf.append(
                    f'<row r="{r}"><c r="A{r}" s="{style}" t="inlineStr"><is><t>'
                    f"{escape(text)}</t></is></c></row>"
                )
            buf.append(f'<row r="{first}">')
            for c, h in zip(cols, header, strict=True):
                buf.append(f'<c r="{c}{first}" s="6" t="inlineStr"><is><t>{escape(h)}</t></is></c>')
            buf.append("</row>")
            w("".join(buf).encode())
            n = first
            buf = []
            for values, bold in rows:
                n += 1
                parts = [f'<row r="{n}">']
                for c, kind, v in zip(cols, kinds, values, strict=True):
                    if v is None:
                        continue
                    if kind == "kobo":
                        parts.append(
                            f'<c r="{c}{n}" s="{4 if bold else 1}"><v>{kobo_text(v)}</v></c>'
                        )
                    elif kind == "date":
                        parts.append(f'<c r="{c}{n}" s="2"><v>{v.toordinal() - _EPOCH}</v></c>')
                    elif kind == "int":
                        parts.append(f'<c r="{c}{n}"><v>{int(v)}</v></c>')
                    else:
                        st = ' s="3"' if bold else ""
                        parts.append(
                            f'<c r="{c}{n}"{st} t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
                        )
                parts.append("</row>")
                buf.append("".join(parts))
                if len(buf) >= 5000:
                    w("".join(buf).encode())
                    buf = []
            n += 2
            buf.append(
                f'<row r="{n}"><c r="A{n}" s="7" t="inlineStr"><is><t>{escape(footer)}'
                "</t></is></c></row>"
            )
            w("".join(buf).encode())
            w(
                b'</sheetData><pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" '
                b'header="0.3" footer="0.3"/><pageSetup paperSize="9" orientation="landscape"/>'
                b"</worksheet>"
            )
