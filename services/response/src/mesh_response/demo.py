"""The demo city's responding units (`make run` loads them; upserts, so loading twice changes nothing).

Territory codes follow the contacts service's demo city (GB/T 2260 county codes, nine-digit
township codes); the three pushing agencies are the ones `make run` issues NATS credentials to.
"""

from __future__ import annotations

from mesh_response.repository import UnitRepository
from mesh_response.workflow import Unit

LUOYANG = "410300"  # the city itself: city-level departments

UNITS = [
    Unit("luolong-police", "洛龙区公安分局 Luolong District Public Security Bureau", "police", "410311"),
    Unit("kaiyuan-station", "开元路派出所 Kaiyuan Road Police Station", "police", "410311", "410311010"),
    Unit("guanlin-station", "关林派出所 Guanlin Police Station", "police", "410311", "410311011"),
    Unit("lilou-station", "李楼派出所 Lilou Police Station", "police", "410311", "410311101"),
    Unit("jianxi-police", "涧西区公安分局 Jianxi District Public Security Bureau", "police", "410305"),
    Unit("yanshi-police", "偃师区公安局 Yanshi District Public Security Bureau", "police", "410307"),
    Unit("xinan-police", "新安县公安局 Xin'an County Public Security Bureau", "police", "410323"),
    Unit("xigong-police", "西工区公安分局 Xigong District Public Security Bureau", "police", "410303"),
    Unit("city-urban-management", "市城市管理局 City Urban Management Bureau", "department", LUOYANG,
         categories=frozenset({"obstruction_of_construction", "forced_loading_unloading"})),
    Unit("luolong-urban-management", "洛龙区城市管理局 Luolong Urban Management", "department", "410311",
         categories=frozenset({"obstruction_of_construction"})),
]


async def load(units: UnitRepository) -> int:
    for unit in UNITS:
        await units.upsert(unit)
    return len(UNITS)
