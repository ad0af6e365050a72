"""Reference data: the languages people and communities choose from, and the skills framework."""

from django.conf.locale import LANG_INFO
from django.db import migrations

# Languages of the movement that Django's own list does not have.
EXTRA_LANGUAGES = [
    ("am", "Amharic", "አማርኛ"),
    ("gn", "Guarani", "Avañe'ẽ"),
    ("ha", "Hausa", "Hausa"),
    ("mi", "Maori", "Te Reo Māori"),
    ("qu", "Quechua", "Runa Simi"),
    ("tl", "Tagalog", "Tagalog"),
    ("yo", "Yoruba", "Yorùbá"),
    ("zu", "Zulu", "isiZulu"),
]

SKILLS = [
    # (slug, name, category, description)
    ("governance", "Governance", "governance", "Boards, bylaws, elections and accountability."),
    (
        "strategy",
        "Strategic planning",
        "governance",
        "Setting direction and priorities for several years.",
    ),
    (
        "policy",
        "Policy and compliance",
        "governance",
        "Legal duties, affiliation requirements, safe spaces.",
    ),
    (
        "facilitation",
        "Facilitation",
        "people",
        "Running meetings and workshops where everyone is heard.",
    ),
    (
        "conflict-resolution",
        "Conflict resolution",
        "people",
        "Mediating disputes and restoring trust.",
    ),
    ("mentoring", "Mentoring", "people", "Supporting someone else's growth over time."),
    (
        "volunteer-management",
        "Volunteer management",
        "people",
        "Recruiting, welcoming and keeping volunteers.",
    ),
    (
        "inclusion",
        "Diversity and inclusion",
        "people",
        "Making room for people the movement misses.",
    ),
    ("finance", "Finance", "resources", "Budgets, bookkeeping and financial reports."),
    ("grant-writing", "Grant writing", "resources", "Proposals and reports for funders."),
    (
        "project-management",
        "Project management",
        "resources",
        "Planning and delivering projects on time.",
    ),
    (
        "event-organising",
        "Event organising",
        "resources",
        "Edit-a-thons, conferences and campaigns.",
    ),
    (
        "public-speaking",
        "Public speaking",
        "communication",
        "Presenting the movement to any audience.",
    ),
    (
        "partnerships",
        "Partnerships",
        "communication",
        "Working with libraries, museums, universities.",
    ),
    ("communications", "Communications", "communication", "Newsletters, social media and press."),
    ("technical", "Technical skills", "technical", "Tools, bots, templates and data on the wikis."),
    ("data-analysis", "Data and metrics", "technical", "Measuring impact and reading the numbers."),
    (
        "training-design",
        "Training design",
        "technical",
        "Designing courses and learning materials.",
    ),
]


def load(apps, schema_editor):
    Language = apps.get_model("leadership", "Language")
    Skill = apps.get_model("leadership", "Skill")
    for code, info in sorted(LANG_INFO.items()):
        if "name" not in info:
            continue
        Language.objects.update_or_create(
            code=code, defaults={"name": info["name"], "autonym": info.get("name_local", "")}
        )
    for code, name, autonym in EXTRA_LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name, "autonym": autonym})
    for slug, name, category, description in SKILLS:
        Skill.objects.update_or_create(
            slug=slug, defaults={"name": name, "category": category, "description": description}
        )


def unload(apps, schema_editor):
    apps.get_model("leadership", "Skill").objects.filter(slug__in=[s[0] for s in SKILLS]).delete()


class Migration(migrations.Migration):
    dependencies = [("leadership", "0001_core")]

    operations = [migrations.RunPython(load, unload)]
