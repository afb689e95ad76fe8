"""Articles extracted per second and peak memory for 1,000 news pages served locally.

    .venv/bin/python benchmarks/extract_pages.py [--pages 1000] [--seed 20261121]

Writes ``--pages`` generated news-article pages (English, French and Vietnamese, six fictional
outlets with their own layouts: navigation, cookie banner, related links, most-read lists, inline
"read also" boxes, newsletter boxes, footers; from two-paragraph briefs to long features) into a
temporary directory, deterministically from ``--seed``. All of it is fictional. The pages are served
on 127.0.0.1 by claimwatch's demo server, fetched by claimwatch's Scrapy crawl (its own process, no
download delay, Scrapy's per-domain concurrency as configured in ``crawlers/scrapy_process.py``),
extracted with ``claimwatch.crawlers.extract.extract_article``, and each article's language is detected with
``claimwatch.pipeline.language.detect_article_language``.

Printed: pages served and fetched, crawl time and pages/s (the Scrapy process's start-up included,
and Scrapy's own elapsed time), extraction time and articles/s, language detections/s, and peak
resident memory of this process (``RUSAGE_SELF``) and of the Scrapy process (``RUSAGE_CHILDREN``:
the largest child waited for), in MiB. Also checked: titles, dates, boilerplate left in the text and
detected languages against what was generated. Exit status 1 when a page could not be fetched.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import random
import re
import resource
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from claimwatch.crawlers.crawl import crawl
from claimwatch.crawlers.extract import ExtractedArticle, extract_article
from claimwatch.crawlers.job import CrawlJob, CrawlTarget
from claimwatch.demo.server import serve_directory
from claimwatch.pipeline.language import detect_article_language

# --- Vocabulary of the generated, fictional news -------------------------------------------------

FILLERS: dict[str, dict[str, list[str]]] = {
    "en": {
        "org": [
            "city culture office",
            "provincial trade promotion centre",
            "students' union",
            "chamber of commerce",
            "university language faculty",
            "port authority",
            "regional tourism board",
            "friendship association",
        ],
        "city": [
            "Hanoi",
            "Da Nang",
            "Hue",
            "Can Tho",
            "Hai Phong",
            "Vientiane",
            "Lyon",
            "Osaka",
            "Busan",
            "Perth",
        ],
        "event": [
            "lantern festival",
            "trade fair",
            "student exchange",
            "food week",
            "photo exhibition",
            "rowing regatta",
            "book fair",
            "film week",
            "craft market",
        ],
        "people": ["students", "exhibitors", "volunteers", "visitors", "artisans", "teachers"],
        "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        "season": ["spring", "summer", "autumn", "winter"],
        "role": [
            "a spokesperson for the organisers",
            "one of the volunteers",
            "a stallholder from the old quarter",
            "a retired schoolteacher",
            "a first-year student",
        ],
        "section": ["Society", "Culture", "Business", "Travel", "Education", "Sport"],
    },
    "fr": {
        "org": [
            "le service culturel de la ville",
            "le centre de promotion commerciale",
            "l'association des étudiants",
            "la chambre de commerce",
            "la faculté des langues",
            "l'autorité portuaire",
            "l'office régional du tourisme",
            "l'association d'amitié",
        ],
        "city": [
            "Hanoï",
            "Đà Nẵng",
            "Huế",
            "Cần Thơ",
            "Haïphong",
            "Vientiane",
            "Lyon",
            "Marseille",
            "Osaka",
            "Perth",
        ],
        "event": [
            "la fête des lanternes",
            "le salon commercial",
            "l'échange étudiant",
            "la semaine gastronomique",
            "l'exposition de photographies",
            "la régate d'aviron",
            "le salon du livre",
            "la semaine du cinéma",
            "le marché artisanal",
        ],
        "people": ["étudiants", "exposants", "bénévoles", "visiteurs", "artisans", "enseignants"],
        "day": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
        "season": ["printemps", "été", "automne", "hiver"],
        "role": [
            "une porte-parole des organisateurs",
            "l'un des bénévoles",
            "une commerçante du vieux quartier",
            "un instituteur à la retraite",
            "une étudiante de première année",
        ],
        "section": ["Société", "Culture", "Économie", "Voyages", "Éducation", "Sports"],
    },
    "vi": {
        "org": [
            "Sở Văn hóa thành phố",
            "Trung tâm Xúc tiến Thương mại tỉnh",
            "Hội Sinh viên",
            "Phòng Thương mại",
            "Khoa Ngoại ngữ của trường đại học",
            "Ban quản lý cảng",
            "Hiệp hội Du lịch",
            "Hội Hữu nghị",
        ],
        "city": [
            "Hà Nội",
            "Đà Nẵng",
            "Huế",
            "Cần Thơ",
            "Hải Phòng",
            "Quy Nhơn",
            "Đà Lạt",
            "Viêng Chăn",
            "Lyon",
            "Busan",
        ],
        "event": [
            "lễ hội đèn lồng",
            "hội chợ thương mại",
            "chương trình giao lưu sinh viên",
            "tuần lễ ẩm thực",
            "triển lãm ảnh",
            "giải đua thuyền",
            "hội sách",
            "tuần phim",
            "phiên chợ thủ công",
        ],
        "people": ["sinh viên", "doanh nghiệp", "tình nguyện viên", "du khách", "nghệ nhân"],
        "day": ["thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật"],
        "season": ["mùa xuân", "mùa hè", "mùa thu", "mùa đông"],
        "role": [
            "một đại diện ban tổ chức",
            "một tình nguyện viên",
            "một chủ gian hàng ở phố cổ",
            "một thầy giáo đã nghỉ hưu",
            "một sinh viên năm nhất",
        ],
        "section": ["Xã hội", "Văn hóa", "Kinh tế", "Du lịch", "Giáo dục", "Thể thao"],
    },
}

SENTENCES: dict[str, list[str]] = {
    "en": [
        "The {org} in {city} said on {day} that {n} {people} had taken part in the {event} this year.",
        "Organisers expect the {event} to return to {city} next {season}, with room for {n} more {people}.",
        "According to preliminary figures, the number of visitors to {city} rose by about {pct} percent compared with the same week last year.",
        "Many {people} said the {event} was a chance to learn more about the culture and daily life of neighbouring countries.",
        '"We started preparing almost {months} months ago, and every evening was full," said {role}.',
        "Stalls offered street food, handicrafts and traditional dress, and queues formed well before the gates opened at {hour} o'clock.",
        "Fine weather meant that the open-air programme went ahead as planned, apart from one concert moved indoors on {day}.",
        "Local authorities added extra bus services and {n} parking spaces near the riverside for the duration of the {event}.",
        "Schools in {city} took part for the first time, sending groups of {people} to workshops on calligraphy and cooking.",
        "The {org} said it would publish a full report on the {event} before the end of the {season}.",
        "Entry prices stayed unchanged from last year, and children under {small} entered free of charge.",
        "Residents interviewed near the main square described the atmosphere as relaxed and friendly.",
        "A smaller edition of the {event} is planned in {city2} in the {season}, the organisers added.",
        "Exchange programmes between universities in {city} and {city2} have grown steadily over the past {small} years.",
    ],
    "fr": [
        "Selon {org} de {city}, {n} {people} ont participé cette année à {event}.",
        "Les organisateurs espèrent voir revenir {event} à {city} au {season} prochain, avec {n} places supplémentaires.",
        "D'après les premiers chiffres, la fréquentation à {city} a progressé d'environ {pct} % par rapport à la même semaine de l'an dernier.",
        "De nombreux {people} ont expliqué que {event} était l'occasion de mieux connaître la culture et la vie quotidienne des pays voisins.",
        "« Nous avons commencé les préparatifs il y a près de {months} mois, et chaque soirée était complète », a déclaré {role}.",
        "Les stands proposaient cuisine de rue, artisanat et costumes traditionnels, et des files d'attente se formaient bien avant l'ouverture des portes à {hour} heures.",
        "Le beau temps a permis de maintenir le programme en plein air, à l'exception d'un concert déplacé en salle {day}.",
        "Les autorités locales ont ajouté des bus et {n} places de stationnement près des quais pendant toute la durée de la manifestation.",
        "Des écoles de {city} ont participé pour la première fois, en envoyant des groupes de {people} à des ateliers de calligraphie et de cuisine.",
        "{org_cap} a indiqué qu'un bilan complet serait publié avant la fin de l'{season}.",
        "Les prix des billets sont restés inchangés et l'entrée était gratuite pour les enfants de moins de {small} ans.",
        "Les habitants interrogés près de la place principale ont décrit une ambiance détendue et chaleureuse.",
        "Une édition plus modeste est prévue à {city2} au {season}, ont ajouté les organisateurs.",
        "Les échanges entre les universités de {city} et de {city2} se sont développés régulièrement depuis {small} ans.",
    ],
    "vi": [
        "{org_cap} tại {city} cho biết đã có {n} {people} tham gia {event} năm nay.",
        "Ban tổ chức dự kiến {event} sẽ trở lại {city} vào {season} tới với thêm {n} suất đăng ký.",
        "Theo số liệu sơ bộ, lượng khách đến {city} trong tuần qua tăng khoảng {pct}% so với cùng kỳ năm ngoái.",
        "Nhiều {people} cho rằng đây là dịp để hiểu thêm về văn hóa và đời sống của người dân các nước láng giềng.",
        "“Chúng tôi đã chuẩn bị gần {months} tháng và tối nào cũng kín chỗ”, {role} chia sẻ.",
        "Các gian hàng giới thiệu món ăn đường phố, đồ thủ công và trang phục truyền thống, người dân xếp hàng từ trước {hour} giờ.",
        "Thời tiết thuận lợi giúp các hoạt động ngoài trời diễn ra đúng kế hoạch, chỉ có một buổi hòa nhạc vào {day} phải chuyển vào trong nhà.",
        "Chính quyền địa phương đã bố trí thêm xe buýt và {n} chỗ đỗ xe gần bờ sông trong suốt thời gian diễn ra sự kiện.",
        "Lần đầu tiên các trường học ở {city} tham gia, cử các nhóm {people} đến những buổi hướng dẫn viết thư pháp và nấu ăn.",
        "{org_cap} cho biết sẽ công bố báo cáo đầy đủ về {event} trước khi kết thúc {season}.",
        "Giá vé giữ nguyên như năm trước, trẻ em dưới {small} tuổi được vào cửa miễn phí.",
        "Người dân được hỏi ở gần quảng trường chính đều nhận xét không khí vui vẻ và thân thiện.",
        "Ban tổ chức cho biết thêm, một phiên bản nhỏ hơn sẽ được tổ chức tại {city2} vào {season}.",
        "Hoạt động trao đổi giữa các trường đại học ở {city} và {city2} đã phát triển đều đặn trong {small} năm qua.",
    ],
}

TITLES: dict[str, list[str]] = {
    "en": [
        "{event_cap} draws {n} {people} to {city}",
        "{city} prepares for a busy {event}",
        "{people_cap} from {city} and {city2} meet at {event}",
        "What the {event} in {city} means for local businesses",
        "A week of {event} in {city}: the highlights",
    ],
    "fr": [
        "{event_cap} attire {n} {people} à {city}",
        "{city} se prépare pour {event}",
        "Des {people} de {city} et de {city2} réunis pour {event}",
        "Ce que {event} change pour les commerçants de {city}",
        "Une semaine à {city} : les temps forts",
    ],
    "vi": [
        "{event_cap} thu hút {n} {people} đến {city}",
        "{city} sẵn sàng cho {event}",
        "{people_cap} {city} và {city2} gặp nhau tại {event}",
        "{event_cap} mang lại gì cho tiểu thương {city}",
        "Một tuần {event} ở {city}: những điểm nhấn",
    ],
}

CHROME: dict[str, dict[str, str]] = {
    "en": {
        "related": "Related stories",
        "most_read": "Most read",
        "read_also": "Read also",
        "newsletter": "Get our morning briefing in your inbox every weekday. Sign up now, it is free.",
        "cookies": "We use cookies to improve your experience. By continuing you accept our cookie policy.",
        "rights": "All rights reserved.",
        "ad": "Advertisement",
        "share": "Share this story",
        "comments": "Comments are closed for this article.",
    },
    "fr": {
        "related": "Sur le même sujet",
        "most_read": "Les plus lus",
        "read_also": "Lire aussi",
        "newsletter": "Recevez notre lettre du matin chaque jour de la semaine. Inscription gratuite.",
        "cookies": "Nous utilisons des cookies pour améliorer votre expérience. En poursuivant, vous acceptez notre politique.",
        "rights": "Tous droits réservés.",
        "ad": "Publicité",
        "share": "Partager cet article",
        "comments": "Les commentaires sont fermés pour cet article.",
    },
    "vi": {
        "related": "Tin liên quan",
        "most_read": "Đọc nhiều nhất",
        "read_also": "Xem thêm",
        "newsletter": "Nhận bản tin buổi sáng qua email vào mỗi ngày làm việc. Đăng ký miễn phí.",
        "cookies": "Chúng tôi sử dụng cookie để cải thiện trải nghiệm của bạn. Tiếp tục truy cập nghĩa là bạn đồng ý.",
        "rights": "Giữ toàn quyền.",
        "ad": "Quảng cáo",
        "share": "Chia sẻ bài viết",
        "comments": "Bài viết này đã đóng bình luận.",
    },
}


@dataclass(frozen=True)
class Outlet:
    slug: str
    name: str
    language: str
    html_lang: str
    layout: str  # "semantic", "divs" or "boxed"


OUTLETS = (
    Outlet("riverside-courier", "The Riverside Courier", "en", "en", "semantic"),
    Outlet("harbour-post", "Harbour Post Daily", "en", "en-GB", "boxed"),
    Outlet("journal-du-delta", "Le Journal du Delta", "fr", "fr", "divs"),
    Outlet("echo-des-rizieres", "L'Écho des Rizières", "fr", "fr-FR", "semantic"),
    Outlet("song-hong-dien-tu", "Sông Hồng Điện Tử", "vi", "vi", "boxed"),
    Outlet("tin-mien-trung", "Tin Miền Trung", "vi", "vi-VN", "divs"),
)


@dataclass(frozen=True)
class Page:
    path: str
    outlet: Outlet
    title: str
    lead: str
    paragraphs: tuple[str, ...]
    section: str
    published: str
    declare_lang: bool
    decomposed: bool  # Vietnamese written in NFD, as some CMSs still serve it


def _fill(rng: random.Random, template: str, language: str) -> str:
    words = FILLERS[language]
    city, city2 = rng.sample(words["city"], 2)
    org, event, people = (
        rng.choice(words["org"]),
        rng.choice(words["event"]),
        rng.choice(words["people"]),
    )
    values = {
        "org": org,
        "org_cap": org[:1].upper() + org[1:],
        "city": city,
        "city2": city2,
        "event": event,
        "event_cap": event[:1].upper() + event[1:],
        "people": people,
        "people_cap": people[:1].upper() + people[1:],
        "day": rng.choice(words["day"]),
        "season": rng.choice(words["season"]),
        "role": rng.choice(words["role"]),
        "n": f"{rng.randint(12, 4800):,}".replace(",", " " if language == "fr" else ","),
        "pct": str(rng.randint(3, 45)),
        "months": str(rng.randint(2, 11)),
        "hour": str(rng.randint(6, 10)),
        "small": str(rng.randint(3, 12)),
    }
    return template.format(**values)


def _paragraph(rng: random.Random, language: str) -> str:
    return " ".join(
        _fill(rng, template, language)
        for template in rng.sample(SENTENCES[language], rng.randint(2, 5))
    )


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:60]


def _paragraph_count(rng: random.Random) -> int:
    """Briefs, ordinary stories and a few long features."""
    roll = rng.random()
    if roll < 0.15:
        return rng.randint(2, 3)
    if roll < 0.85:
        return rng.randint(4, 12)
    return rng.randint(13, 40)


def generate_pages(count: int, seed: int) -> list[Page]:
    rng = random.Random(seed)
    weights = [0.2, 0.2, 0.15, 0.15, 0.15, 0.15]
    pages: list[Page] = []
    for index in range(count):
        outlet = rng.choices(OUTLETS, weights)[0]
        language = outlet.language
        title = _fill(rng, rng.choice(TITLES[language]), language)
        section = rng.choice(FILLERS[language]["section"])
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        hour, minute = rng.randint(5, 22), rng.choice((0, 10, 15, 30, 45))
        pages.append(
            Page(
                path=f"{outlet.slug}/{_slug(section)}/2026/{month:02d}/{_slug(title)}-{index:05d}.html",
                outlet=outlet,
                title=title,
                lead=_fill(rng, rng.choice(SENTENCES[language]), language),
                paragraphs=tuple(_paragraph(rng, language) for _ in range(_paragraph_count(rng))),
                section=section,
                published=f"2026-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00+07:00",
                declare_lang=rng.random() > 0.1,
                decomposed=language == "vi" and rng.random() < 0.1,
            )
        )
    return pages


def _links(items: list[Page]) -> str:
    return "\n".join(
        f'      <li><a href="/{p.path}">{html.escape(p.title)}</a></li>' for p in items
    )


def render_page(page: Page, others: list[Page], rng: random.Random) -> str:
    outlet, chrome = page.outlet, CHROME[page.outlet.language]
    e = html.escape
    related, most_read = _links(others[:4]), _links(others[4:9])
    section_links = [
        f'<a href="/{outlet.slug}/{_slug(s)}/">{e(s)}</a>'
        for s in FILLERS[outlet.language]["section"]
    ]
    sections = " ".join(section_links)
    json_ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": page.title,
            "datePublished": page.published,
            "publisher": {"@type": "Organization", "name": outlet.name},
        },
        ensure_ascii=False,
    ).replace("</", "<\\/")
    body_paragraphs = [f"<p>{e(text)}</p>" for text in page.paragraphs]
    if outlet.layout == "boxed" and len(body_paragraphs) > 3 and others:
        box = (
            f'<div class="read-also"><strong>{chrome["read_also"]}:</strong> '
            f'<a href="/{others[0].path}">{e(others[0].title)}</a></div>'
        )
        body_paragraphs.insert(rng.randint(2, len(body_paragraphs) - 1), box)
    if len(body_paragraphs) > 6:
        body_paragraphs.insert(
            len(body_paragraphs) // 2,
            f'<div class="ad-slot" data-slot="mid">{chrome["ad"]}</div>',
        )
    body = "\n        ".join(body_paragraphs)
    date_text = page.published[:10]
    lang_attr = f' lang="{outlet.html_lang}"' if page.declare_lang else ""
    head = f"""<!DOCTYPE html>
<html{lang_attr}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(page.title)} | {e(outlet.name)}</title>
<meta name="description" content="{e(page.lead)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{e(outlet.name)}">
<meta property="og:title" content="{e(page.title)}">
<meta property="og:url" content="{{{{BASE}}}}/{page.path}">
<link rel="canonical" href="{{{{BASE}}}}/{page.path}">
<link rel="stylesheet" href="/{outlet.slug}/static/site.css">
<script async src="/{outlet.slug}/static/analytics.js"></script>
"""
    cookie = f'<div class="cookie-banner" role="dialog"><p>{chrome["cookies"]}</p><button>OK</button></div>'
    footer = f"""<footer class="site-footer">
  <nav>{sections}</nav>
  <p><a href="/{outlet.slug}/about.html">About</a> · <a href="/{outlet.slug}/contact.html">Contact</a> · <a href="/{outlet.slug}/privacy.html">Privacy</a> · <a href="/{outlet.slug}/rss.xml">RSS</a></p>
  <p>© 2026 {e(outlet.name)}. {chrome["rights"]}</p>
</footer>"""
    if outlet.layout == "semantic":
        document = f"""{head}<meta property="article:published_time" content="{page.published}">
<meta property="article:section" content="{e(page.section)}">
<script type="application/ld+json">{json_ld}</script>
</head>
<body>
{cookie}
<header class="masthead"><a class="logo" href="/{outlet.slug}/">{e(outlet.name)}</a>
  <nav class="sections" aria-label="Sections">{sections}</nav>
</header>
<main>
  <article class="story">
    <p class="kicker">{e(page.section)}</p>
    <h1>{e(page.title)}</h1>
    <p class="standfirst">{e(page.lead)}</p>
    <div class="meta"><time datetime="{page.published}">{date_text}</time></div>
    <div class="story-body">
        {body}
    </div>
    <div class="share">{chrome["share"]}: <a href="#">Facebook</a> <a href="#">X</a> <a href="#">Email</a></div>
  </article>
  <aside class="related"><h2>{chrome["related"]}</h2><ul>
{related}
  </ul></aside>
  <aside class="most-read"><h2>{chrome["most_read"]}</h2><ol>
{most_read}
  </ol></aside>
  <aside class="newsletter"><p>{chrome["newsletter"]}</p></aside>
</main>
{footer}
</body>
</html>
"""
    elif outlet.layout == "divs":
        document = f"""{head}</head>
<body>
<div id="wrapper">
  <div id="top-bar">{cookie}</div>
  <div id="header"><div class="logo"><a href="/{outlet.slug}/">{e(outlet.name)}</a></div>
    <div id="menu">{sections}</div></div>
  <div id="content">
    <div class="breadcrumb"><a href="/{outlet.slug}/">{e(outlet.name)}</a> › {e(page.section)}</div>
    <div class="post">
      <h1 class="post-title">{e(page.title)}</h1>
      <span class="date">{date_text}</span>
      <div class="entry-content">
        <p><strong>{e(page.lead)}</strong></p>
        {body}
      </div>
      <div class="post-tags">Tags: <a href="#">{e(page.section)}</a></div>
      <div class="comments">{chrome["comments"]}</div>
    </div>
    <div class="sidebar">
      <div class="widget"><h3>{chrome["most_read"]}</h3><ul>
{most_read}
      </ul></div>
      <div class="widget"><h3>{chrome["related"]}</h3><ul>
{related}
      </ul></div>
      <div class="widget newsletter">{chrome["newsletter"]}</div>
    </div>
  </div>
  <div id="footer">{footer}</div>
</div>
</body>
</html>
"""
    else:
        document = f"""{head}<meta property="article:published_time" content="{page.published}">
</head>
<body>
<header><div class="brand"><a href="/{outlet.slug}/">{e(outlet.name)}</a></div>
  <ul class="menu">{"".join(f"<li>{link}</li>" for link in section_links)}</ul>
</header>
<div class="ad-slot" data-slot="top">{chrome["ad"]}</div>
<main class="layout">
  <article>
    <header class="article-header">
      <h1>{e(page.title)}</h1>
      <p class="sapo">{e(page.lead)}</p>
      <p class="byline"><time datetime="{page.published}">{date_text}</time></p>
    </header>
    <figure><img src="/{outlet.slug}/img/{page.path.rsplit("/", 1)[-1]}.jpg" alt="{e(page.title)}">
      <figcaption>{e(page.title)}</figcaption></figure>
    <section class="article-body">
        {body}
    </section>
  </article>
  <section class="related-news"><h2>{chrome["related"]}</h2><ul>
{related}
  </ul></section>
  <section class="top-stories"><h2>{chrome["most_read"]}</h2><ul>
{most_read}
  </ul></section>
  <div class="newsletter-box">{chrome["newsletter"]}</div>
</main>
{cookie}
{footer}
</body>
</html>
"""
    return unicodedata.normalize("NFD", document) if page.decomposed else document


def write_site(root: Path, pages: list[Page], seed: int) -> int:
    """Write the pages and a permissive robots.txt; returns the bytes written."""
    rng = random.Random(seed + 1)
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n", encoding="utf-8")
    total = 0
    for page in pages:
        others = [p for p in rng.sample(pages, min(len(pages), 12)) if p is not page]
        document = render_page(page, others, rng).encode("utf-8")
        target = root / page.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(document)
        total += len(document)
    return total


def peak_mib(who: int) -> float:
    """Peak resident memory in MiB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="pages to generate (default 1000)")
    parser.add_argument("--seed", type=int, default=20261121, help="random seed of the pages")
    options = parser.parse_args()
    console = Console()
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="claimwatch-bench-pages-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        pages = generate_pages(options.pages, options.seed)
        site_bytes = write_site(root, pages, options.seed)
        generate_s = time.perf_counter() - t0
        rss_after_generate = peak_mib(resource.RUSAGE_SELF)
        by_path = {p.path: p for p in pages}

        with serve_directory(root) as server:
            urls = [f"{server.base_url}/{p.path}" for p in pages]
            job = CrawlJob(
                targets=tuple(CrawlTarget(url, "bench") for url in urls),
                download_delay_s=0.0,
                allow_private=True,
                max_pages=5000,
            )
            t0 = time.perf_counter()
            result = crawl(job)
            crawl_s = time.perf_counter() - t0
            served = len(server.log.paths(200))
        rss_after_crawl = peak_mib(resource.RUSAGE_SELF)

        extract_times: list[float] = []
        articles: list[tuple[ExtractedArticle, Page | None]] = []
        for fetched in result.pages:
            t0 = time.perf_counter()
            article = extract_article(fetched.html, fetched.url, max_chars=100_000)
            extract_times.append(time.perf_counter() - t0)
            if article is not None:
                path = fetched.url.removeprefix(server.base_url + "/")
                articles.append((article, by_path.get(path)))
        extract_s = sum(extract_times)
        rss_after_extract = peak_mib(resource.RUSAGE_SELF)

        t0 = time.perf_counter()
        detect_article_language(None, "Warm-up: langdetect loads its language profiles once.")
        warmup_s = time.perf_counter() - t0
        detected: list[tuple[str | None, str | None]] = []
        t0 = time.perf_counter()
        for article, page in articles:
            language = detect_article_language(article.title, article.text, article.html_lang)
            detected.append((language, page.outlet.language if page else None))
        detect_s = time.perf_counter() - t0

    total_s = time.perf_counter() - started
    text_chars = sum(len(a.text) for a, _ in articles)
    right_language = sum(1 for got, want in detected if got == want)
    wrong = Counter(f"{want}→{got}" for got, want in detected if got != want)
    dated = sum(1 for a, _ in articles if a.published_at is not None)
    titled = sum(1 for a, page in articles if page is not None and a.title == page.title)
    expected_chars = sum(
        len(p.lead) + sum(len(x) + 1 for x in p.paragraphs) for p in pages
    )  # visible story text, for scale
    leaks: Counter[str] = Counter()
    for article, page in articles:
        if page is None:
            continue
        for kind, phrase in CHROME[page.outlet.language].items():
            if phrase in article.text:
                leaks[kind] += 1
    scrapy_elapsed = result.stats.get("elapsed_time_seconds")
    languages = Counter(p.outlet.language for p in pages)
    per_page_ms = [t * 1000 for t in extract_times] or [0.0]
    cuts = statistics.quantiles(per_page_ms, n=20) if len(per_page_ms) > 1 else per_page_ms * 19

    table = Table(
        title=f"Extraction benchmark: {options.pages} pages on 127.0.0.1", title_justify="left"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        (
            "pages generated",
            f"{len(pages)} ({', '.join(f'{k} {v}' for k, v in sorted(languages.items()))})",
        ),
        ("site size", f"{site_bytes / 2**20:.1f} MiB, generated in {generate_s:.2f} s"),
        ("pages served (HTTP 200, robots.txt included)", f"{served}"),
        ("pages fetched", f"{len(result.pages)}"),
        ("crawl failures / refused", f"{len(result.failures)} / {len(result.skipped)}"),
        ("crawl seconds (Scrapy process start included)", f"{crawl_s:.2f}"),
        ("crawl pages/s", f"{len(result.pages) / crawl_s:.1f}"),
        (
            "Scrapy's own elapsed seconds, pages/s",
            f"{scrapy_elapsed:.2f}, {len(result.pages) / scrapy_elapsed:.1f}"
            if isinstance(scrapy_elapsed, int | float) and scrapy_elapsed > 0
            else "n/a",
        ),
        ("extraction seconds", f"{extract_s:.2f}"),
        ("extraction articles/s", f"{len(articles) / extract_s:.1f}" if extract_s else "n/a"),
        (
            "extraction ms per page (median / p95 / max)",
            f"{statistics.median(per_page_ms):.1f} / {cuts[18]:.1f} / {max(per_page_ms):.1f}",
        ),
        ("articles extracted", f"{len(articles)} of {len(result.pages)} pages"),
        ("articles with generated title / with a date", f"{titled} / {dated}"),
        ("article text chars (generated story text)", f"{text_chars:,} ({expected_chars:,})"),
        (
            "articles with boilerplate in their text",
            ", ".join(f"{k} {v}" for k, v in leaks.most_common()) or "none",
        ),
        ("language detection warm-up seconds", f"{warmup_s:.2f}"),
        ("language detection seconds", f"{detect_s:.2f}"),
        ("language detections/s", f"{len(detected) / detect_s:.1f}" if detect_s else "n/a"),
        (
            "language = generated language",
            f"{right_language} of {len(detected)}"
            + (
                f" (wrong: {', '.join(f'{k} {v}' for k, v in wrong.most_common())})"
                if wrong
                else ""
            ),
        ),
        (
            "peak RSS, this process (after generate / crawl / extract / all)",
            f"{rss_after_generate:.0f} / {rss_after_crawl:.0f} / {rss_after_extract:.0f} / "
            f"{peak_mib(resource.RUSAGE_SELF):.0f} MiB",
        ),
        ("peak RSS, Scrapy process", f"{peak_mib(resource.RUSAGE_CHILDREN):.0f} MiB"),
        ("total wall seconds", f"{total_s:.1f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    console.print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}",
        markup=False,
        highlight=False,
    )
    if len(result.pages) < len(pages):
        sys.exit(1)


if __name__ == "__main__":
    main()
