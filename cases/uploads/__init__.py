"""Reading uploaded files within bounds, so that a hostile file can never take
the web process down.

An uploaded .xlsx or .docx is a zip of XML parts, and both layers can be made
to explode: a 4.8 KB workbook with cells A1 and XFD1048576 made the spreadsheet
reader allocate 549 GB and abort the whole server (SIGABRT, which no `except`
catches); a shared-strings table declaring four billion entries does the same
in 1 KB; a zip member can inflate a thousandfold; an XML part can declare
entities that expand exponentially ("billion laughs") or nest without end.
So every upload that is more than magic bytes is read in three steps:

1. The package (`package.py`, in the web process, cheap and bounded): a zip
   of at most IMPORT_MAX_MEMBERS members, not encrypted, stored or deflated
   only, no duplicate names, no member deflated more than
   IMPORT_MAX_COMPRESSION_RATIO times (above 1 MiB), all of them together at
   most IMPORT_MAX_UNCOMPRESSED_BYTES once inflated, and an OOXML package of
   the expected kind ([Content_Types].xml naming the workbook or the Word
   document). The few small XML parts read here (content types, the
   workbook and its relationships, each at most 4 MiB) are parsed by
   defusedxml: no DTD, no entity, no external reference, at most 64 levels
   deep.
2. The first sheet's bounds (`sheet_child.py`, in a child process, before a
   single cell is read): every member inflated once more to check its real
   size and CRC against what the zip declares; no DTD or entity declaration
   in any XML part; the sheet's declared `<dimension ref>` and every explicit
   cell reference within IMPORT_MAX_ROWS rows and IMPORT_MAX_COLUMNS columns
   (and the declared dimension within IMPORT_MAX_CELLS cells); the shared
   strings, declared and counted, at most IMPORT_MAX_SHARED_STRINGS.
3. The cells (the same child, python-calamine): the sheet's real extent is
   checked against the same caps before its rows are turned into Python
   values; the child only returns rows, the sheet's merged ranges, its
   hidden rows and its cells holding a formula (read from the sheet's <row>
   and <c><f> tags as it inflates, in step 2's pass; JSON on a capped output
   file) and never imports Django, so it cannot reach the database.

The same child, in its "mark" mode, gives a file back with rows marked (the
gift import's refused rows: a "Lỗi" column, red cells), after the same checks
of step 2, written by openpyxl under the same limits (`spreadsheet.mark_rows`).

The child runs with a memory cap (RLIMIT_AS, IMPORT_PARSER_MEMORY_BYTES), a CPU
cap (RLIMIT_CPU, IMPORT_PARSER_CPU_SECONDS), a wall-clock timeout
(IMPORT_PARSER_TIMEOUT_SECONDS) and an output cap (RLIMIT_FSIZE): whatever a
file makes the parser do, at worst the child dies and the upload is refused.

The defaults fit the real use with room to spare: the largest gift list is
26,553 rows by about 15 columns (a 1.1 MB file inflating to 15 MB, read in
about 1.5 s), so 100,000 rows, 64 columns, 2,000,000 cells, 1,000,000 shared
strings, 200 MiB inflated, a ratio of 100 (Apache POI's default), 1 GiB of
memory, 30 s of CPU and 60 s in all.

Every refusal is an `InvalidData` on the field "file" with a Vietnamese
message, one of these stable codes, and a `reason` naming the check:

- file_too_large: the upload is over its byte cap, inflates to more than
  IMPORT_MAX_UNCOMPRESSED_BYTES, or reading it needs more memory or output
  than the reader may use;
- file_type: not the expected kind (a .xls, .csv, .html or anything else named
  .xlsx; a .docx that is not a Word document);
- file_sheet_too_large: the sheet's declared or real extent, or its shared
  strings, over the caps;
- file_unsafe: built in ways ordinary Office files never are (compression
  ratio, DTD or entities, nesting, encryption, sizes or CRCs that lie);
- file_parse_failed: the workbook is damaged, or its reader died;
- file_parse_timeout: reading took longer than the CPU or wall-clock limit.
"""
