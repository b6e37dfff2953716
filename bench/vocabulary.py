"""The generated dataset's vocabulary: names, sentences and the shares of kinds, stages and statuses.

Kept apart from the builders in ``bench/generate.py`` so either can be read (and changed) alone.
Every word here is invented or generic: nothing names a real service, person or place.
"""

from __future__ import annotations

from ctdash.models import CommentKind, FindingKind, FindingStatus, ProjectStage, WallPostStatus

# Regions with a rough centre and spread, so generated services land inland in their own region.
REGIONS = {
    "North East": (54.85, -1.75, 0.3),
    "North West": (53.75, -2.55, 0.35),
    "Yorkshire and the Humber": (53.85, -1.35, 0.35),
    "East Midlands": (52.95, -1.05, 0.35),
    "West Midlands": (52.45, -2.1, 0.35),
    "East of England": (52.25, 0.35, 0.35),
    "London": (51.5, -0.12, 0.1),
    "South East": (51.2, -0.7, 0.3),
    "South West": (50.85, -3.25, 0.35),
}
# Invented syllables: the place names they make are fictional, and every name also carries a number.
NAME_STARTS = ["Ash", "Brack", "Cold", "Dun", "Elder", "Fen", "Glim", "Hazel", "Ivy", "Kest", "Lark", "Moss"]
NAME_STARTS += ["Nether", "Oak", "Pell", "Quill", "Rook", "Sallow", "Thorn", "Umber", "Vale", "Wren", "Yarrow"]
NAME_ENDS = ["barrow", "combe", "dene", "fold", "garth", "holme", "ley", "mere", "shaw", "stead", "thwaite", "wick"]
SERVICE_KINDS = ["Music Hub", "Music Service", "Music Education Hub", "Music Trust", "Music Partnership"]
LEADS = ["County Council", "Music Trust", "Education Partnership", "Arts Charity", "Borough Council"]

STAGE_WEIGHTS_PAST = {  # cycles already over: mostly complete
    ProjectStage.COMPLETE: 70,
    ProjectStage.SHARING: 15,
    ProjectStage.PAUSED: 8,
    ProjectStage.ANALYSIS: 7,
}
STAGE_WEIGHTS_RECENT = {  # the cycle just ended
    ProjectStage.COMPLETE: 30,
    ProjectStage.SHARING: 30,
    ProjectStage.ANALYSIS: 25,
    ProjectStage.PAUSED: 10,
    ProjectStage.DATA_COLLECTION: 5,
}
STAGE_WEIGHTS_CURRENT = {  # the cycle under way
    ProjectStage.PROPOSED: 15,
    ProjectStage.PLANNING: 25,
    ProjectStage.DATA_COLLECTION: 35,
    ProjectStage.ANALYSIS: 15,
    ProjectStage.PAUSED: 10,
}
KIND_WEIGHTS = {FindingKind.BARRIER: 40, FindingKind.ENABLER: 35, FindingKind.INSIGHT: 25}
STATUS_WEIGHTS = {
    FindingStatus.PUBLISHED: 55,
    FindingStatus.DRAFT: 20,
    FindingStatus.SUBMITTED: 15,
    FindingStatus.RETURNED: 10,
}
# Comments per non-draft finding; drafts get none, so the overall mean is about 2.
COMMENT_COUNT_WEIGHTS = {0: 18, 1: 18, 2: 20, 3: 18, 4: 12, 5: 8, 6: 4, 8: 2}
COMMENT_KIND_WEIGHTS = {CommentKind.SUPPORT: 55, CommentKind.QUESTION: 25, CommentKind.CHALLENGE: 20}

SUBJECTS = [
    "whole-class tuition",
    "area ensembles",
    "the loan instrument scheme",
    "remission forms",
    "rural schools",
    "special schools",
    "youth panels",
    "tutor training",
    "first-access lessons",
    "holiday courses",
    "shared transport",
    "the band programme",
    "singing strategy",
    "music technology clubs",
    "partnership schools",
    "progression routes",
]
GROUPS = [
    "pupils eligible for free school meals",
    "young carers",
    "children in care",
    "pupils with SEND",
    "families new to the area",
    "girls in music technology",
    "young people from Black and Asian communities",
    "pupils in small rural schools",
    "older teenagers",
    "families who do not speak English at home",
]
VERBS_ENABLER = ["helps", "keeps", "brings back", "encourages", "opens the door for", "works for"]
VERBS_BARRIER = ["puts off", "shuts out", "loses", "does not reach", "costs too much for", "confuses"]
VERBS_INSIGHT = ["matters more than we thought for", "looks different for", "is understood differently by"]
SENTENCES = [
    "In {n} of the schools we worked with, {group} were {change} after changes to {subject}.",
    "Interviews with {n} families suggest that {subject} {verb} {group} more than the timetable does.",
    "Tutors reported that {group} responded best when {subject} was planned with the class teacher.",
    "Attendance records over {n} weeks show a clear difference once {subject} was offered locally.",
    "Young people on the panel said {subject} felt like it was meant for someone else.",
    "The evidence is early and based on a small sample, so we are repeating it in the next cycle.",
    "Costs were the reason most often given, followed by transport and the time of day.",
    "Where a named member of staff followed up, {group} were much more likely to carry on.",
    "Families valued being asked; several said it was the first time anyone had.",
    "We would like the working group's view on whether the pattern holds in urban areas too.",
]
COMMENT_SENTENCES = [
    "We saw something similar in our area.",
    "How many pupils is this based on?",
    "It would help to know the sample size and the time of year.",
    "Great to see this written up; we are trying the same thing next term.",
    "Did you ask the young people themselves, or only their parents?",
    "Was attendance the right measure? Retention after a term might tell more.",
    "This matches what our tutors have been saying for a while.",
    "Could you share the interview questions?",
    "Our experience was different: transport was the main barrier, not cost.",
]

# Sessions (meetings): what generated sessions are called and where they are held.
SESSION_TOPICS = [
    "Working group: first-access lessons",
    "Working group: rural reach",
    "Working group: progression and ensembles",
    "Working group: youth voice",
    "Conference slot: what the cycle found",
    "Working group: pricing and remissions",
    "Working group: partnerships with schools",
    "Working group: data and monitoring",
]
SESSION_PLACES = ["Online (example link)", "Example town hall, room 2", "Example arts centre", None]
# The screens of an agenda, in a plausible order; FINDING, PARTNER and CHART items repeat.
AGENDA_SHAPE = ["welcome", "text", "finding", "finding", "partner", "chart", "status", "map", "finding", "wall"]
AGENDA_TEXTS = [
    "Where we are in the cycle",
    "Questions for the group",
    "What we will try next term",
    "Break: ten minutes",
]
# Wall posts: a reflection in a sentence, as people type them at a session.
WALL_SENTENCES = [
    "{subject} {verb} {group} in our area too.",
    "We tried changing {subject} and {group} came back.",
    "Nobody told {group} that {subject} existed.",
    "Cost is still the reason {group} stop.",
    "Transport to {subject} is the real barrier.",
    "Asking {group} first made all the difference.",
]
# The wall takes barriers and enablers only (ctdash.wall.KINDS).
WALL_KIND_WEIGHTS = {FindingKind.BARRIER: 55, FindingKind.ENABLER: 45}
WALL_STATUS_WEIGHTS = {WallPostStatus.SHOWN: 80, WallPostStatus.PENDING: 8, WallPostStatus.HIDDEN: 12}
# A project's way through the stages: its history walks this path up to its current stage.
STAGE_PATH = [
    ProjectStage.PROPOSED,
    ProjectStage.PLANNING,
    ProjectStage.DATA_COLLECTION,
    ProjectStage.ANALYSIS,
    ProjectStage.SHARING,
    ProjectStage.COMPLETE,
]
