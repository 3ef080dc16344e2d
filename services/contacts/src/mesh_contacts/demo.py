# ruff: noqa: RUF001  (the demo text is Chinese, with its own punctuation)
"""A small demo city in Luoyang, loaded once when ``DEMO_DATA`` is on (``make run`` sets it).

Four counties/districts with their townships, twenty enterprises (some on each key list,
some on none), ten projects across sectors and investment sizes, six city and county
leaders with their pairings, a few months of visits and problems in every state, one
pairing ended and one added last month, and the two editions of the pairing list before
and after that change. The names are invented; the territory codes follow GB/T 2260.

Everything goes through the service's own commands, dated in the past with a clock of
its own, so the demo's events, trails and deadlines are the real thing. Loading is
idempotent: fixed ids, a step that already happened is skipped, and a mark records that
the demo is complete so a later start changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from mesh_contacts.commands import Contacts
from mesh_contacts.domain import credit_code
from mesh_contacts.domain.calendar import CITY_TZ, city_today, month_end_before
from mesh_contacts.domain.pairing import LeaderInput, LeaderLevel, TargetKind
from mesh_contacts.domain.problems import ProblemCategory, ProblemInput
from mesh_contacts.domain.registry import (
    Contact,
    EnterpriseInput,
    KeyList,
    ProjectInput,
    ProjectKeyList,
    ProjectSector,
    ProjectStage,
    Territory,
)
from meshlib.errors import AlreadyExists, Refused

log = logging.getLogger(__name__)

MARK = "demo-city"
VERSION = 1
ACTOR = "demo"

_COUNTIES = {"410311": "洛龙区", "410305": "涧西区", "410307": "偃师区", "410323": "新安县"}
_TOWNSHIPS = {
    "410311010": "开元路街道", "410311011": "关林街道", "410311101": "李楼镇",
    "410305005": "长春路街道", "410305008": "武汉路街道",
    "410307001": "商城街道", "410307004": "首阳山街道", "410307103": "顾县镇",
    "410323100": "城关镇", "410323104": "磁涧镇",
}


def territory(township_code: str) -> Territory:
    county = township_code[:6]
    return Territory(county, _COUNTIES[county], township_code, _TOWNSHIPS[township_code])


def demo_credit_code(county_code: str, n: int) -> str:
    """An enterprise's code (registered with market regulation, "91"), valid per GB 32100-2015."""
    first17 = f"91{county_code}MA{n:07d}"
    return first17 + credit_code.check_character(first17)


P20, P100, CITY, LEAD, GIANT = (KeyList.PROVINCE_TOP_HUNDRED_HIGH_GROWTH, KeyList.PROVINCE_TOP_HUNDRED_STRONGEST,
                                KeyList.CITY_KEY_ENTERPRISE, KeyList.LEADING_ENTERPRISE, KeyList.LITTLE_GIANT)

ENTERPRISES: list[tuple[str, str, str, str, tuple[KeyList, ...]]] = [
    ("ent-001", "洛阳河洛精密轴承有限公司", "装备制造", "410305005", (P100, CITY, LEAD)),
    ("ent-002", "洛阳伊滨新材料科技有限公司", "新材料", "410311101", (P20, GIANT)),
    ("ent-003", "洛阳龙门文旅发展集团有限公司", "文化旅游", "410311011", (CITY,)),
    ("ent-004", "洛阳中原矿山机械有限公司", "装备制造", "410305008", (P100, CITY)),
    ("ent-005", "洛阳牡丹智能机器人有限公司", "机器人", "410311010", (GIANT, P20)),
    ("ent-006", "偃师顾县摩托车制造有限公司", "交通装备", "410307103", (LEAD,)),
    ("ent-007", "偃师首阳山电力有限公司", "能源", "410307004", (CITY,)),
    ("ent-008", "洛阳商城食品有限公司", "食品加工", "410307001", ()),
    ("ent-009", "新安县磁涧铝材有限公司", "有色金属", "410323104", (P100, LEAD)),
    ("ent-010", "新安县黛眉山农业开发有限公司", "农业", "410323100", ()),
    ("ent-011", "洛阳河图光伏玻璃有限公司", "新能源", "410311101", (P20,)),
    ("ent-012", "洛阳瀍涧电子信息有限公司", "电子信息", "410305005", (GIANT,)),
    ("ent-013", "洛阳白马生物医药有限公司", "生物医药", "410311011", (CITY, GIANT)),
    ("ent-014", "洛阳涧西物流有限公司", "物流", "410305008", ()),
    ("ent-015", "偃师商城针织服装有限公司", "纺织服装", "410307001", ()),
    ("ent-016", "洛阳隋唐数字科技有限公司", "软件和信息服务", "410311010", (P20,)),
    ("ent-017", "新安县城关建材有限公司", "建材", "410323100", ()),
    ("ent-018", "洛阳古都耐火材料有限公司", "耐火材料", "410307103", (LEAD,)),
    ("ent-019", "洛阳关林餐饮管理有限公司", "餐饮", "410311011", ()),
    ("ent-020", "洛阳九都航空装备有限公司", "航空装备", "410305005", (CITY, P20)),
]

_YI = 100_000_000 * 100
"""One hundred million CNY (亿元) in fen."""
PROV, CITYP = ProjectKeyList.PROVINCIAL_KEY_PROJECT, ProjectKeyList.CITY_KEY_PROJECT
S = ProjectSector
G = ProjectStage

PROJECTS: list[tuple[str, str, str, ProjectSector, int, str, ProjectStage, tuple[ProjectKeyList, ...]]] = [
    ("prj-001", "河洛精密轴承智能化改造项目", "ent-001", S.INDUSTRIAL, 32 * _YI // 10, "410305005",
     G.UNDER_CONSTRUCTION, (PROV,)),
    ("prj-002", "伊滨年产5万吨高性能复合材料项目", "ent-002", S.INDUSTRIAL, 12 * _YI, "410311101", G.PRELIMINARY,
     (PROV, CITYP)),
    ("prj-003", "龙门文旅数字博物馆项目", "ent-003", S.SERVICE, 15 * _YI // 10, "410311011", G.UNDER_CONSTRUCTION,
     (CITYP,)),
    ("prj-004", "首阳山分布式光伏电站项目", "ent-007", S.INFRASTRUCTURE, 48 * _YI // 10, "410307004",
     G.UNDER_CONSTRUCTION, (CITYP,)),
    ("prj-005", "磁涧镇污水处理厂提标改造项目", "ent-009", S.ENVIRONMENTAL_PROTECTION, 45 * _YI // 100,
     "410323104", G.PRELIMINARY, (CITYP,)),
    ("prj-006", "黛眉山高效农业示范园项目", "ent-010", S.AGRICULTURE, 32 * _YI // 100, "410323100",
     G.UNDER_CONSTRUCTION, ()),
    ("prj-007", "牡丹智能机器人产业园项目", "ent-005", S.INDUSTRIAL, 65 * _YI // 10, "410311010", G.PRELIMINARY,
     (PROV,)),
    ("prj-008", "商城食品冷链物流中心项目", "ent-008", S.SERVICE, 8 * _YI // 10, "410307001", G.COMPLETED, ()),
    ("prj-009", "白马生物医药研发中心项目", "ent-013", S.INDUSTRIAL, 225 * _YI // 100 + 50, "410311011",
     G.UNDER_CONSTRUCTION, (CITYP,)),
    ("prj-010", "关林社区养老服务中心项目", "ent-003", S.PUBLIC_WELFARE, 3 * _YI // 10, "410311010", G.COMPLETED,
     (CITYP,)),
]

LEADERS = [
    ("ldr-001", "王建国", LeaderLevel.CITY, "副市长", ""),
    ("ldr-002", "李红梅", LeaderLevel.CITY, "常务副市长", ""),
    ("ldr-003", "陈志强", LeaderLevel.CITY, "市委常委、副市长", ""),
    ("ldr-004", "张伟", LeaderLevel.COUNTY, "洛龙区区长", "410311"),
    ("ldr-005", "刘洋", LeaderLevel.COUNTY, "偃师区委书记", "410307"),
    ("ldr-006", "赵敏", LeaderLevel.COUNTY, "新安县县长", "410323"),
]

E, PJ = TargetKind.ENTERPRISE, TargetKind.PROJECT
PAIRINGS = [
    ("pair-001", "ldr-001", E, "ent-001"),
    ("pair-002", "ldr-001", E, "ent-004"),
    ("pair-003", "ldr-001", PJ, "prj-001"),
    ("pair-004", "ldr-002", E, "ent-002"),
    ("pair-005", "ldr-002", PJ, "prj-002"),
    ("pair-006", "ldr-002", E, "ent-020"),
    ("pair-007", "ldr-003", E, "ent-013"),
    ("pair-008", "ldr-003", PJ, "prj-009"),
    ("pair-009", "ldr-003", E, "ent-009"),
    ("pair-010", "ldr-004", E, "ent-005"),
    ("pair-011", "ldr-004", PJ, "prj-007"),
    ("pair-012", "ldr-004", E, "ent-002"),  # a county leader beside a city leader (item 20 allows both)
    ("pair-013", "ldr-005", E, "ent-007"),
    ("pair-014", "ldr-005", PJ, "prj-004"),
    ("pair-015", "ldr-005", E, "ent-006"),
    ("pair-016", "ldr-006", E, "ent-009"),
    ("pair-017", "ldr-006", PJ, "prj-005"),
]
ENDED_LAST_MONTH = "pair-009"
ADDED_LAST_MONTH = ("pair-018", "ldr-003", E, "ent-016")

C = ProblemCategory


@dataclass(frozen=True)
class DemoProblem:
    id: str
    category: ProblemCategory
    description: str
    department: str
    due_in: int
    coordinate_after: int | None = None
    resolve_after: int | None = None
    resolution: str = ""


@dataclass(frozen=True)
class DemoVisit:
    id: str
    leader: str
    kind: TargetKind
    target: str
    days_ago: int
    participants: tuple[str, ...]
    learned: str
    problems: tuple[DemoProblem, ...] = ()


VISITS = [
    DemoVisit("vis-001", "ldr-001", E, "ent-001", 75, ("市工信局副局长", "涧西区副区长", "企业总经理"),
              "产能满负荷运转，出口订单同比增长三成。",
              (DemoProblem("prb-001", C.FACTOR_POWER, "二期车间增容用电报装进度慢", "国网洛阳供电公司", 20, 2, 15,
                           "供电公司开辟绿色通道，新建专线已送电"),)),
    DemoVisit("vis-002", "ldr-002", PJ, "prj-002", 68, ("市发改委主任", "洛龙区区长"),
              "项目前期手续推进中，一期厂房设计完成。",
              (DemoProblem("prb-002", C.PRELIMINARY_PROCEDURES, "环评批复待省生态环境厅审查", "市生态环境局", 30, 2,
                           25, "市生态环境局与省厅对接，环评已批复"),
               DemoProblem("prb-003", C.FACTOR_LAND, "项目二期用地指标不足", "市自然资源和规划局", 45, 3))),
    DemoVisit("vis-003", "ldr-004", E, "ent-005", 50, ("区科工局局长", "企业董事长"),
              "新一代协作机器人已量产，研发投入占营收一成以上。",
              (DemoProblem("prb-004", C.FACTOR_FINANCE, "研发投入大，流动资金紧张", "市金融工作局", 30, 1, 20,
                           "协调两家银行发放科技信用贷款3000万元"),)),
    DemoVisit("vis-004", "ldr-005", PJ, "prj-004", 45, ("区发改委主任", "供电公司负责人"),
              "光伏组件安装完成七成。",
              (DemoProblem("prb-005", C.PROGRESS, "并网接入工程滞后于组件安装", "国网偃师供电公司", 20),)),
    DemoVisit("vis-005", "ldr-003", E, "ent-013", 40, ("市税务局副局长", "市科技局副局长"),
              "两款创新药进入临床二期。",
              (DemoProblem("prb-006", C.POLICY_IMPLEMENTATION, "研发费用加计扣除政策落实不到位", "市税务局", 15, 1,
                           10, "税务局上门辅导，已完成上年度加计扣除申报"),)),
    DemoVisit("vis-006", "ldr-006", E, "ent-009", 35, ("县人社局局长", "企业人力资源总监"),
              "新上铝板带生产线调试中。",
              (DemoProblem("prb-007", C.FACTOR_LABOUR, "熟练技工招聘困难", "新安县人力资源和社会保障局", 60, 2),)),
    DemoVisit("vis-007", "ldr-001", E, "ent-008", 30, ("市商务局副局长",),
              "企业希望拓展省外市场（未结对企业，现场调研）。",
              (DemoProblem("prb-008", C.MARKET_DEVELOPMENT, "希望对接大型商超渠道", "市商务局", 40),)),
    DemoVisit("vis-008", "ldr-004", PJ, "prj-007", 20, ("区住建局局长", "施工单位项目经理"),
              "主体结构施工中。",
              (DemoProblem("prb-009", C.SAFETY, "施工现场临边防护不到位", "洛龙区住房和城乡建设局", 7, 1, 5,
                           "已整改并通过复查"),)),
    DemoVisit("vis-009", "ldr-002", E, "ent-020", 12, ("市工信局局长",), "新签航空零部件订单两亿元。"),
    DemoVisit("vis-010", "ldr-005", E, "ent-006", 8, ("区发改委主任", "企业董事长"),
              "企业拟实施股份制改造。",
              (DemoProblem("prb-010", C.RESTRUCTURING, "股份制改造需要政策指导", "偃师区发展和改革委员会", 30),)),
    DemoVisit("vis-011", "ldr-003", E, "ent-016", 5, ("市发改委副主任", "市大数据局局长"),
              "拟建设区域算力中心。",
              (DemoProblem("prb-011", C.FACTOR_OTHER, "数据中心用能指标需统筹", "市发展和改革委员会", 25),)),
    DemoVisit("vis-012", "ldr-001", PJ, "prj-001", 3, ("市市场监管局副局长",), "智能化产线设备进场安装。",
              (DemoProblem("prb-012", C.QUALITY, "关键设备安装质量需第三方检测", "市市场监督管理局", 14),)),
]


@dataclass
class DemoReport:
    loaded: bool
    steps: int = 0
    skipped: list[str] = field(default_factory=list)


Step = tuple[datetime, str, Callable[[Contacts], Awaitable[object]]]


def _at(day: date, minute: int = 0) -> datetime:
    return datetime.combine(day, time(10, 0), CITY_TZ) + timedelta(minutes=minute)


def steps(today: date) -> list[Step]:
    """Everything the demo does, each at the moment it happens, oldest first."""
    this_month = today.replace(day=1)
    last_month = month_end_before(this_month).replace(day=1)
    month_before = month_end_before(last_month).replace(day=1)
    founded = month_before - timedelta(days=400)
    paired = month_before - timedelta(days=180)
    out: list[Step] = []

    def add(when: datetime, what: str, run: Callable[[Contacts], Awaitable[object]]) -> None:
        out.append((when, what, run))

    for i, (eid, name, sector, township, lists) in enumerate(ENTERPRISES):
        t = territory(township)
        e = EnterpriseInput(name, demo_credit_code(t.county_code, i + 1), sector, t,
                            f"{t.township_name}工业路{i + 1}号", Contact("办公室", f"0379-6{i + 1:03d}8888"), lists)

        def enterprise(c: Contacts, e: EnterpriseInput = e, eid: str = eid) -> Awaitable[object]:
            return c.register_enterprise(e, ACTOR, id=eid)

        add(_at(founded, i), f"register {eid}", enterprise)
    for i, (pid, name, owner, sector, fen, township, stage, plists) in enumerate(PROJECTS):
        project_input = ProjectInput(name, owner, sector, fen, territory(township), stage, plists)

        def project(c: Contacts, p: ProjectInput = project_input, pid: str = pid) -> Awaitable[object]:
            return c.register_project(p, ACTOR, id=pid)

        add(_at(founded + timedelta(days=30), i), f"register {pid}", project)
    for i, (lid, name, level, post, county) in enumerate(LEADERS):
        leader_input = LeaderInput(name, level, post, county, _COUNTIES.get(county, ""))

        def leader(c: Contacts, li: LeaderInput = leader_input, lid: str = lid) -> Awaitable[object]:
            return c.register_leader(li, ACTOR, id=lid)

        add(_at(founded + timedelta(days=60), i), f"register {lid}", leader)
    ended = last_month + timedelta(days=5)
    added = last_month + timedelta(days=8)
    for i, (pair_id, lid, kind, target) in enumerate([*PAIRINGS, ADDED_LAST_MONTH]):
        start = added if pair_id == ADDED_LAST_MONTH[0] else paired

        def pair(c: Contacts, a: tuple[str, TargetKind, str] = (lid, kind, target), start: date = start,
                 pair_id: str = pair_id) -> Awaitable[object]:
            return c.pair(a[0], a[1], a[2], start, ACTOR, id=pair_id)

        add(_at(start, i), f"pair {pair_id}", pair)

    def end(c: Contacts) -> Awaitable[object]:
        return c.end_pairing(ENDED_LAST_MONTH, ended, "工作分工调整，改由县级领导联系", ACTOR)

    add(_at(ended), f"end {ENDED_LAST_MONTH}", end)

    for v in VISITS:
        day = today - timedelta(days=v.days_ago)
        problems = [ProblemInput(p.category, p.description, p.department, day + timedelta(days=p.due_in))
                    for p in v.problems]

        def visit(c: Contacts, v: DemoVisit = v, day: date = day,
                  problems: list[ProblemInput] = problems) -> Awaitable[object]:
            return c.record_visit(v.leader, v.kind, v.target, day, v.participants, v.learned, problems, ACTOR,
                                  id=v.id, problem_ids=[p.id for p in v.problems])

        add(_at(day), f"visit {v.id}", visit)
        for dp in v.problems:
            if dp.coordinate_after is not None:
                def coordinate(c: Contacts, dp: DemoProblem = dp) -> Awaitable[object]:
                    return c.coordinate(dp.id, "", None, f"转{dp.department}牵头协调", ACTOR)

                add(_at(day + timedelta(days=dp.coordinate_after)), f"coordinate {dp.id}", coordinate)
            if dp.resolve_after is not None:
                def resolve(c: Contacts, dp: DemoProblem = dp) -> Awaitable[object]:
                    return c.resolve(dp.id, dp.resolution, ACTOR)

                add(_at(day + timedelta(days=dp.resolve_after)), f"resolve {dp.id}", resolve)

    # The two editions around last month's change: one for the month before, one for last month.
    def edition(c: Contacts) -> Awaitable[object]:
        return c.publish_scheduled()

    add(datetime.combine(last_month, time(0, 30), CITY_TZ), "edition for the month before last", edition)
    add(datetime.combine(this_month, time(0, 30), CITY_TZ), "edition for last month", edition)
    out.sort(key=lambda s: s[0])
    return out


def _fixed(at: datetime) -> Callable[[], datetime]:
    return lambda: at


async def load(contacts: Contacts) -> DemoReport:
    """Load the demo city unless it is already there; safe to run again after an interruption."""
    if await contacts.repo.mark(MARK) is not None:
        return DemoReport(loaded=False)
    now = contacts.clock()
    report = DemoReport(loaded=True)
    for when, what, run in steps(city_today(now)):
        at = min(when, now)
        try:
            await run(contacts.at(_fixed(at)))
        except (AlreadyExists, Refused) as exc:  # done by an interrupted earlier load
            report.skipped.append(f"{what}: {exc.rule}")
        report.steps += 1
    await contacts.repo.set_mark(MARK, version=VERSION, loaded_at=now, steps=report.steps)
    log.info("demo city loaded: %d steps, %d skipped", report.steps, len(report.skipped))
    return report
