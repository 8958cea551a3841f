{#- Name keys for matching Vietnamese unit and agency names across sources (the agency learning of
    int_agency_matches against int_admin_unit_history). Plain SQL on DuckDB and PostgreSQL: lower(), translate(),
    regexp_replace() with the 'g' flag, LIKE; no extension, no collation or locale needed.

    chiso_name_ascii   lower case, without any diacritic: every precomposed Vietnamese letter (upper and lower
                       case) becomes its base letter (đ -> d), the combining marks of decomposed (NFD) text are
                       dropped, so NFC/NFD and old/new tone placement (hoà/hòa, thuỷ/thủy) give the same text;
                       dashes become '-', apostrophes (’ ' ‘ ` ʼ) disappear ("Ea H’leo" = "Ea H'Leo").
    chiso_name_key     chiso_name_ascii without a bracketed code ("(001)"), a trailing province suffix
                       (" - Tỉnh Phú Thọ"), a leading "UBND" / "Ủy ban nhân dân" and then one leading unit word
                       (tỉnh, thành phố, TP., huyện, quận, thị xã, thị trấn, xã, phường, đặc khu), punctuation as
                       spaces, whitespace collapsed: "UBND xã Lâm Thao - Tỉnh Phú Thọ" -> "lam thao",
                       "Huyện Quản Bạ" -> "quan ba". Only one unit word goes, so "Huyện Quan Hóa" keeps its
                       "quan".
    chiso_name_unit_word  that leading unit word, without diacritics (huyen, thi xa, phuong …), null when the
                       name has none: it tells "Thị xã Kỳ Anh" from "Huyện Kỳ Anh" (same key) and a district
                       committee ("UBND Huyện Ba Bể") from a department.
    The key drops diacritics, so a few different names share one ("Xã Cẩm Giang" / "Xã Cẩm Giàng");
    int_agency_matches breaks such ties with the unit word, then the exact spelling, and reports what stays
    ambiguous. -#}

{% macro chiso_vietnamese_letters() -%}
    {{ return({
        'a': 'àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ',
        'e': 'èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ',
        'i': 'ìíỉĩịÌÍỈĨỊ',
        'o': 'òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ',
        'u': 'ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ',
        'y': 'ỳýỷỹỵỲÝỶỸỴ',
        'd': 'đĐ',
        '-': '\u2013\u2014\u2010\u2011',
    }) }}
{%- endmacro %}

{#- Characters deleted: the combining marks of decomposed text (grave, acute, tilde, hook above, dot below,
    circumflex, breve, horn) and apostrophes. -#}
{% macro chiso_name_dropped_characters() -%}
    {{ return('\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b' ~ "\u2019\u2018'`\u02bc") }}
{%- endmacro %}

{% macro chiso_name_ascii(expr) -%}
    {%- set letters = chiso_vietnamese_letters() -%}
    {%- set ns = namespace(source='', target='') -%}
    {%- for base, variants in letters.items() -%}
        {%- set ns.source = ns.source ~ variants -%}
        {%- set ns.target = ns.target ~ (base * (variants | length)) -%}
    {%- endfor -%}
    {%- set ns.source = ns.source ~ chiso_name_dropped_characters() -%}
    translate(lower({{ expr }}), '{{ ns.source | replace("'", "''") }}', '{{ ns.target }}')
{%- endmacro %}

{#- chiso_name_ascii without a leading "UBND" / "Ủy ban nhân dân" (and surrounding spaces). -#}
{% macro chiso_name_without_committee(expr) -%}
    regexp_replace(trim({{ chiso_name_ascii(expr) }}), '^(ubnd|uy ban nhan dan)[ .]+', '')
{%- endmacro %}

{% macro chiso_name_key(expr) -%}
    {%- set s = chiso_name_ascii(expr) -%}
    {#- bracketed codes, then a trailing ", tỉnh X" / " - Thành phố X" -#}
    {%- set s = "regexp_replace(regexp_replace(" ~ s ~ ", '\\([^)]*\\)', ' ', 'g'), '\\[[^\\]]*\\]', ' ', 'g')" -%}
    {%- set s = "regexp_replace(" ~ s ~ ", '\\s*[-,]\\s*(tinh|thanh pho|tp\\.?)\\s+[^-,]+$', '')" -%}
    {%- set s = "regexp_replace(trim(" ~ s ~ "), '^(ubnd|uy ban nhan dan)[ .]+', '')" -%}
    {%- set s = "regexp_replace(" ~ s ~ ", '^(tinh|thanh pho|tp\\.|tp|huyen|quan|thi xa|thi tran|xa|phuong|dac khu)[ .]+', '')" -%}
    trim(regexp_replace(regexp_replace({{ s }}, '[-.,;:]', ' ', 'g'), '\s+', ' ', 'g'))
{%- endmacro %}

{% macro chiso_name_unit_word(expr) -%}
    {%- set s = "regexp_replace(" ~ chiso_name_without_committee(expr) ~ ", '\\s+', ' ', 'g') || ' '" -%}
    case
        {%- for word in ['thanh pho', 'tp.', 'tp', 'tinh', 'huyen', 'quan', 'thi xa', 'thi tran', 'xa', 'phuong', 'dac khu'] %}
        when {{ s }} like '{{ word }} %' then '{{ 'thanh pho' if word in ('tp.', 'tp') else word }}'
        {%- endfor %}
    end
{%- endmacro %}
