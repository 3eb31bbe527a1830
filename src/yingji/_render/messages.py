"""The message catalogue of the reports: every heading, label, unit and status in en and zh.

One table, ``MESSAGES[key] = (english, chinese)``; :func:`t` looks a key up. Chinese follows the
terms of the evaluation documents (消防站, 辖区面积, 应急避难场所, 救援队伍, 应急物资, …).
Nothing else in yingji's reports carries its own translated strings.
"""

from __future__ import annotations

import re

from yingji.exceptions import ValidationError

__all__ = ["MESSAGES", "TERMS", "FIELDS", "NOTE_PATTERNS", "REASON_PATTERNS", "LANGS", "t", "term", "note",
           "field_label", "FIELDS_EN", "check_lang"]

LANGS = ("en", "zh")

MESSAGES: dict[str, tuple[str, str]] = {
    # generic
    "yes": ("yes", "是"), "no": ("no", "否"), "unknown": ("unknown", "未知"), "none": ("—", "—"),
    "generated": ("Generated", "生成时间"), "seconds": ("s", "秒"), "total": ("Total", "合计"),
    "note": ("Note", "说明"), "figures": ("Figures", "图表"), "contents": ("Contents", "目录"),
    "value": ("Value", "数值"), "item": ("Item", "项目"), "figure": ("Figure", "指标"),
    "before": ("Before", "现状"), "after": ("After", "规划后"), "status": ("Status", "状态"),
    "run_time": ("Run time", "运行时间"), "summary": ("Summary", "概要"),
    "details": ("Details", "详细信息"), "text_output": ("Text output", "文字输出"),
    "text_output_en": ("The solver's own summary:", "求解器输出摘要(英文原文):"),
    "footer": ("Made with yingji", "由 yingji 生成"),
    "fig_in_html": ("drawn in the HTML report", "见 HTML 报告"),
    # statuses (rules, solves, sections)
    "pass": ("pass", "达标"), "fail": ("fail", "未达标"), "missing": ("missing", "缺数据"),
    "not_due": ("not due", "未到期"), "ok": ("done", "完成"), "error": ("failed", "出错"),
    "timeout": ("timed out", "超时"), "optimal": ("optimal", "最优"),
    "time_limit": ("stopped at the time limit", "达到时间上限"), "heuristic": ("heuristic", "启发式"),
    "infeasible": ("infeasible", "无可行解"), "skipped": ("skipped", "跳过"),
    "feasible": ("feasible", "可行"),
    # county
    "county": ("County", "县"), "county_overview": ("County overview", "县域概况"),
    "area": ("Area", "面积"), "population": ("Population", "人口"),
    "urban_population": ("Urban population", "城区人口"),
    "rural_population": ("Rural population", "乡村人口"),
    "urban_area": ("Urban built-up area", "城区建成区面积"),
    "demand_points": ("Demand points", "需求点"), "townships": ("Townships", "乡镇"),
    "road_network": ("Road network", "道路网络"), "nodes": ("nodes", "个节点"),
    "edges": ("road segments", "条路段"), "incidents": ("Incidents", "警情"),
    "times_computed": ("{n} travel times computed in {s} s", "计算行车时间 {n} 个,用时 {s} 秒"),
    "tables": ("Tables", "数据表"), "crs": ("Coordinate system", "坐标系"),
    # map
    "map": ("County map", "县域地图"), "map_roads": ("roads", "道路"),
    "road_class": ("road class", "道路等级"), "fire_stations": ("Fire stations", "消防站"),
    "fire_station": ("fire station", "消防站"), "new_site": ("new site", "新建站点"),
    "new_sites": ("New sites", "新建站点"), "candidates": ("candidate sites", "候选站点"),
    "shelters": ("Shelters", "应急避难场所"), "shelter": ("shelter", "应急避难场所"),
    "depots": ("supply depots", "物资储备库"), "teams": ("rescue teams", "救援队伍"),
    "reached": ("reached in time", "按时到达"), "unreached": ("not reached in time", "未按时到达"),
    "district": ("station district", "消防站辖区"), "service_area": ("service area", "服务范围"),
    "demand": ("demand (size = population)", "需求点(大小=人口)"),
    "north": ("N", "北"), "x_km": ("x (km)", "x(公里)"), "y_km": ("y (km)", "y(公里)"),
    "no_cjk_font": ("No CJK font is installed: Chinese labels in the figures are drawn in "
                    "English (install e.g. fonts-noto-cjk).",
                    "未安装中文字体:图中文字以英文显示(请安装 fonts-noto-cjk 等字体)。"),
    "map_note": ("Districts are drawn from each road node's nearest station (driving time); "
                 "service areas are the road segments reached within the response time.",
                 "辖区按各道路节点行车时间最近的消防站划分;服务范围为在响应时间内可到达的路段。"),
    # travel times / fire
    "travel_times": ("Travel times from the existing fire stations", "现有消防站出车时间"),
    "nearest_minutes": ("Driving minutes to the nearest station (population-weighted)",
                        "至最近消防站的行车时间(按人口加权)"),
    "mean": ("mean", "平均"), "median": ("median", "中位数"), "p90": ("90th percentile", "90%分位"),
    "max": ("max", "最大"), "urban": ("urban", "城区"), "rural": ("rural", "乡村"),
    "all": ("all", "全县"), "share_reached": ("Share of population reached", "按时到达人口比例"),
    "within": ("within {m} min", "{m}分钟内"), "unreachable": ("unreachable", "不可达"),
    "gb51080_note": ("GB 51080-2015: 5 minutes from dispatch to arrival, i.e. 4 minutes of "
                     "driving after a 1-minute turnout, over the urban built-up area.",
                     "GB 51080-2015:接警出动后5分钟内到达辖区边缘,即出动1分钟后行车4分钟,"
                     "覆盖城区建成区。"),
    "district_area": ("District area", "辖区面积"), "station": ("Station", "消防站"),
    "station_class": ("Class", "站级"), "reached_pop": ("Population reached", "按时到达人口"),
    # demo
    "demo_fire": ("Fire stations (GB 51080-2015)", "消防站(GB 51080-2015)"),
    "demo_compliance": ("Compliance with the county plan (县创城实施方案) and the standards",
                        "对照县创城实施方案及相关标准的合规检查"),
    "demo_plan": ("Plan: what to build or buy (fire stations, shelters, team bases, stock)",
                  "规划:需新建或采购的内容(消防站、避难场所、救援队伍驻地、物资)"),
    "demo_teams": ("Rescue teams", "救援队伍"), "demo_supplies": ("Emergency supplies", "应急物资"),
    "simulation": ("Simulated response", "响应仿真"),
    "demo_simulation": ("Simulated response before and after the fire plan", "消防规划前后的响应仿真"),
    "demo_shelters": ("Shelters (GB 21734 / GB 50413)", "应急避难场所(GB 21734 / GB 50413)"),
    "current_stations": ("Existing stations", "现有消防站"), "fire_plan": ("Plan", "规划方案"),
    "fire_map_caption": ("Existing stations and the planned new ones (stars) with their districts "
                         "and 4-minute service areas along the roads.",
                         "现有消防站与规划新建站(星形)及其辖区和沿道路4分钟服务范围。"),
    "cmp_stations": ("Stations", "消防站数量(座)"),
    "cmp_coverage_share": ("Urban population reached in time", "按时到达的城区人口比例"),
    "cmp_area_share": ("Urban area reached in time", "按时到达的城区面积比例"),
    "cmp_covered_population": ("Population reached (people)", "按时到达人口(人)"),
    "cmp_points_not_reached": ("Demand points not reached", "未按时到达的需求点(个)"),
    "cmp_travel_percentile_minutes": ("Slowest driving time (min)", "最长行车时间(分钟)"),
    "cmp_districts_over_area_limit": ("Districts over their area limit", "辖区面积超标的消防站(座)"),
    "cmp_max_district_km2": ("Largest district (km²)", "最大辖区面积(km²)"),
    "cmp_stations_compliant": ("Stations meeting every rule", "全部达标的消防站(座)"),
    "cmp_compliant": ("Compliant", "整体达标"),
    "cmp_sheltered_persons": ("People sheltered", "可安置人数(人)"),
    "cmp_sheltered_share": ("Share of people sheltered", "可安置人口比例"),
    "cmp_unsheltered_persons": ("People without a place", "无法安置人数(人)"),
    "cmp_per_capita_m2": ("Shelter area per person (m²)", "人均避难场所面积(m²/人)"),
    "cmp_reachable_per_capita_m2": ("Reachable shelter area per person (m²)",
                                    "步行可达人均避难场所面积(m²/人)"),
    "cmp_shelters": ("Shelters", "应急避难场所(处)"),
    "cmp_capacity_places": ("Places", "安置位(个)"),
    "cmp_rules_failed": ("Rules failed", "未达标规则(条)"),
    "cmp_hazard_sites": ("Hazard sites", "危险源(处)"),
    "cmp_hazard_sites_fully_served": ("Hazard sites fully served", "救援力量满足的危险源(处)"),
    "cmp_gaps": ("Gaps", "缺口(项)"), "cmp_gaps_no_skill": ("Gaps: no team with the skill",
                                                       "缺口:无对应专业队伍(项)"),
    "cmp_gaps_too_far": ("Gaps: too far", "缺口:距离过远(项)"),
    "cmp_gaps_crew_short": ("Gaps: crew short", "缺口:人员不足(项)"),
    "cmp_stocks_short_of_norm": ("Stocks short of the norm", "低于储备标准的物资(项)"),
    "cmp_depot_item_stocks": ("Depot × item stocks", "储备库物资品类(项)"),
    "cmp_needs_met_in_time_share": ("Needs met in time", "按时满足需求比例"),
    "cmp_evacuees_covered": ("Evacuees covered", "保障转移人数(人)"),
    "cmp_expected_unmet_units": ("Expected unmet units", "预期缺口数量"),
    "cmp_full_alarm_percentile_minutes": ("Full first alarm (min)", "第一出动力量全部到场时间(分钟)"),
    "computed_note": ("{n} rules decided by computed metrics; {d} reported figures disagree with "
                      "the computed ones", "{n} 条规则由模型计算值判定;{d} 项上报值与计算值不一致"),
    "demo_title": ("yingji demo", "yingji 演示报告"), "section": ("Section", "章节"),
    "finished_in": ("Finished in {s} s", "用时 {s} 秒"),
    "section_failed": ("This section did not complete", "本节未完成"),
    # compliance
    "compliance_title": ("Compliance report", "合规检查报告"), "as_of": ("As of", "评估日期"),
    "rule_sets": ("Rule sets", "规则集"), "rules": ("rules", "条规则"),
    "veto_fail": ("failing vetoes", "否决项未达标"), "by_area": ("By task area", "按任务领域"),
    "fix_first": ("Fix first", "优先整改"), "missing_list": ("Missing figures", "缺少的数据"),
    "all_rules": ("All rules", "全部规则"), "task_area": ("Task area", "任务领域"),
    "pass_rate": ("Pass rate", "达标率"), "rule": ("Rule", "编号"), "name": ("Name", "名称"),
    "threshold": ("Threshold", "阈值"), "unit": ("Unit", "单位"), "source": ("Source", "依据"),
    "confidence": ("Confidence", "可信度"), "basis": ("Basis", "数据来源"), "veto": ("Veto", "否决项"),
    "margin": ("Margin", "余量"), "shortfall": ("Shortfall", "差距"), "due": ("Due", "期限"),
    "reason": ("Note", "说明"), "reported": ("reported", "上报"), "computed": ("computed", "计算"),
    "nothing_fails": ("No rule fails.", "没有未达标的规则。"),
    "discrepancy": ("reported and computed values disagree", "上报值与计算值不一致"),
    "areas_plot": ("Rules by task area and status", "各任务领域规则状态"),
    "margins_plot": ("Relative margin of numeric rules (positive = passing side)",
                     "数值型规则的相对余量(正值为达标一侧)"),
    "margin_axis": ("(value − threshold) / |threshold|, clipped to ±2",
                    "(数值−阈值)/|阈值|,截断于±2"),
    "exists": ("exists", "具备"), "absent": ("absent", "不具备"),
    "unspecified": ("not given", "未规定"),
    "reason_en_only": ("how it is computed: see the English report", "计算说明见英文版报告"),
    "confidence_note": (
        "Confidence: CONFIRMED = read in the standard or an official page; SEED = read from the "
        "county plan; SECONDARY = from a secondary source; DRAFT = consultation draft; "
        "UNCONFIRMED = from memory, check before relying on it.",
        "可信度:已核实=已在标准原文或官方页面核实;县方案原文=取自县实施方案;二手来源=经二手来源核实;"
        "征求意见稿=取自征求意见稿;待核实=凭记忆录入,使用前请核实。"),
    # plan
    "plan_title": ("County plan", "县域应急规划"), "total_cost": ("Total cost", "总投资"),
    "parts": ("Parts", "规划内容"), "items": ("items", "项"), "cost": ("Cost", "投资"),
    "gap": ("Gap", "最优性差距"), "id": ("Id", "编号"), "what": ("What", "内容"),
    "action": ("Action", "措施"), "quantity": ("Quantity", "数量"), "detail": ("Detail", "说明"),
    "nothing_to_build": ("Nothing to build or buy.", "无需新建或采购。"),
    "incomplete": ("some parts did not complete", "部分内容未完成"),
    "plan_meta": ("The parts shared a time limit of {tl} s; supply scenarios seed {seed}.",
                  "各部分共用时间上限 {tl} 秒;物资情景随机种子 {seed}。"),
    "tradeoff_fire": ("Population share reached against new stations",
                      "新建消防站数量与按时到达人口比例"),
    "tradeoff_shelters": ("Share of residents sheltered within walking distance against the "
                          "cost of new shelters", "新建避难场所投资与步行可达安置人口比例"),
    "new_stations": ("new fire stations", "新建消防站(座)"),
    "covered_share": ("urban population reached (%)", "按时到达城区人口(%)"),
    "shelter_cost": ("cost of new shelters (yuan)", "新建避难场所投资(万元)"),
    "sheltered_share": ("people sheltered within walking distance (%)", "步行可达安置人口(%)"),
    "section_fire": ("Fire stations", "消防站"), "section_shelters": ("Shelters", "应急避难场所"),
    "section_teams": ("Rescue-team bases", "救援队伍驻地"),
    "section_supplies": ("Supply stock", "应急物资储备"),
    # shelters (demo, yingji shelters, notebooks)
    "rule_S4-001": ("Per-capita living area in earthquake shelter",
                    "避震疏散场所人均有效避难面积"),
    "rule_S1-145": ("Shelter area per capita", "人均避难场所面积"),
    "rule_S4-002": ("Effective site area of a shelter", "场址有效面积宜大于2000m2"),
    "rule_S4-007": ("Emergency shelter site size", "紧急避震疏散场地用地"),
    "rule_S4-008": ("Fixed shelter site size", "固定避震疏散场地用地"),
    "rule_S4-009": ("Central shelter site size", "中心避震疏散场地用地"),
    "rule_S4-010": ("Emergency shelter service radius (~10 min walk)",
                    "紧急避震疏散场所服务半径(步行约10min)"),
    "rule_S4-011": ("Fixed shelter service radius (~1 h walk)", "固定避震疏散场所服务半径(步行约1h)"),
    "rule_S4-033": ("Fixed-shelter capacity share of catchment population",
                    "固定避难场所容纳规模占责任区规划人口"),
    "none_within": ("none within {m} m", "{m} 米内无"), "township": ("Township", "乡镇"),
    "sheltered": ("Sheltered", "可安置"), "unsheltered": ("Without a place", "无法安置"),
    "unsheltered_share": ("Share without a place", "无法安置比例"),
    "unsheltered_caption": ("Townships with the most people without a place (top {n})",
                            "无法安置人数最多的乡镇(前 {n} 个)"),
    "effective_area": ("Effective area", "有效面积"), "places": ("Places", "安置位"),
    "service_radius": ("Service radius", "服务半径"), "shelter_class": ("Class", "类别"),
    "new_shelters_caption": ("New shelters chosen from the candidate sites",
                             "从候选场址中选定的新建应急避难场所"),
    "per_capita_county": ("Shelter area per person, county-wide", "全县人均避难场所面积"),
    "per_capita_reach": ("Shelter area per person within walking reach (2SFCA)",
                         "步行可达人均避难场所面积(两步移动搜寻法)"),
    "sheltered_walk": ("People with a place within walking distance", "步行范围内可安置人数"),
    "mean_walk": ("Mean walk to the assigned shelter", "至安置场所的平均步行距离"),
    "full_shelters": ("Full shelters", "满员的避难场所"), "new_shelters": ("New shelters",
                                                                     "新建应急避难场所"),
    "unshelterable": ("People no shelter or candidate can take within walking reach",
                      "步行范围内任何场所或候选场址均无法安置的人数"),
    "sheltered_point": ("everyone sheltered", "全部可安置"),
    "unsheltered_point": ("people without a place", "有人无法安置"),
    "new_shelter": ("new shelter", "新建避难场所"),
    "current_shelters": ("Existing shelters", "现有应急避难场所"),
    "shelter_plan": ("Plan: new shelters", "规划:新建应急避难场所"),
    "shelter_map_caption": ("Shelters (squares) and the planned new ones (stars); red rings: "
                            "demand points with people without a place within walking distance.",
                            "现有避难场所(方块)与规划新建场所(星形);红圈为步行范围内有人无法安置的需求点。"),
    # simulation and dispatch (demo)
    "sim_setup": ("{n} replications × 1 year: Poisson calls by demand point, nearest available "
                  "engine, 45 min on scene plus travel both ways; GB 51080 (1 min turnout + "
                  "driving ≤ 5 min). 95% confidence intervals in brackets.",
                  "{n} 次重复 × 1 年:按需求点生成泊松警情,派最近的可用消防车,现场处置45分钟并计往返行车;"
                  "GB 51080(出动1分钟+行车,5分钟内到达)。方括号内为95%置信区间。"),
    "sim_case": ("Case", "方案"), "sim_existing": ("Existing stations", "现有消防站"),
    "sim_with_plan": ("With the fire plan ({n} new, 1 engine each)",
                      "实施消防规划后(新建 {n} 座,各配1辆车)"),
    "sim_p90": ("90th percentile response", "90%分位响应时间"),
    "sim_within": ("Calls reached within 5 min", "5分钟内到达的警情比例"),
    "sim_static": ("Static coverage (no unit ever busy)", "静态覆盖(不计车辆忙碌)"),
    "sim_first_busy": ("First-due station busy", "首出站忙碌比例"),
    "sim_util": ("Mean engine utilisation", "消防车平均利用率"), "sim_engines": ("Engines", "消防车"),
    "sim_caption": ("Simulated response, existing stations against the fire plan",
                    "现有消防站与消防规划实施后的响应仿真对比"),
    "sim_busy_note": ("Busy units cost {b} of calls before and {a} after the plan (static "
                      "coverage minus simulated share within 5 min).",
                      "车辆忙碌使规划前 {b}、规划后 {a} 的警情未能按时到达(静态覆盖减去仿真5分钟内到达比例)。"),
    "dispatch_example": ("Dispatch example: 3 simultaneous incidents ({method}, {ms} ms)",
                         "调度示例:3 起同时发生的警情({method},{ms} 毫秒)"),
    "incident": ("Incident", "警情"), "units_sent": ("Units sent (driving minutes)",
                                                  "派出力量(行车时间)"),
    "short_units": ("Short", "缺少"), "late": ("late", "迟到"),
    "building fire": ("building fire", "建筑火灾"), "chemical spill": ("chemical spill", "危化品泄漏"),
    "road crash": ("road crash", "交通事故"),
    "method_assignment": ("assignment", "指派模型"), "method_mip": ("MIP", "混合整数规划"),
    "dispatch_skipped": ("Dispatch example skipped: {e}", "调度示例未运行:{e}"),
    # result titles (notebook display and the domain commands' reports)
    "ApparatusPlan": ("Apparatus plan", "消防车辆配置方案"),
    "AssignmentResult": ("Assignment", "分配结果"), "BasePlan": ("Rescue-team bases", "救援队伍驻地规划"),
    "DispatchPlan": ("Dispatch plan", "调度方案"), "FireStandard": ("Fire-station standard", "消防站标准"),
    "HypercubeResult": ("Hypercube queueing model", "超立方体排队模型"),
    "PlanSection": ("Plan part", "规划内容"), "Scenarios": ("Disaster scenarios", "灾害情景"),
    "ShelterAssessment": ("Shelter assessment", "应急避难场所评估"),
    "ShelterPlan": ("Shelter plan", "应急避难场所规划"),
    "SimulationResult": ("Simulated response", "响应仿真结果"),
    "SitingResult": ("Siting result", "选址结果"), "StockPlan": ("Supply prepositioning", "应急物资预置方案"),
    "SupplyAssessment": ("Supply assessment", "应急物资评估"),
    "TeamAllocation": ("Rescue-team allocation", "救援队伍调配"),
    "TransferPlan": ("Supply transfers", "应急物资调拨方案"),
    # rescue teams and supplies (yingji._render.results)
    "hazards_served": ("Hazard sites fully served", "完全保障的危险源"),
    "gaps_by_reason": ("Gaps by reason", "缺口(按原因)"),
    "mutual_aid_share": ("Enterprises with a mutual-aid agreement", "签订互助协议的企业"),
    "skill": ("Skill", "专业"), "hazard_sites": ("Hazard sites", "危险源(处)"),
    "served_in_time": ("Reached in time", "按时到达(处)"),
    "share_in_time": ("Share in time", "按时到达比例"), "teams_col": ("Teams", "队伍(支)"),
    "by_skill_caption": ("Hazard sites reached in time, by skill", "各专业危险源按时到达情况"),
    "alloc_objective": ("Objective (risk-weighted driving minutes + crew-shortfall penalties)",
                        "目标值(按风险加权的行车分钟数,含缺员惩罚)"),
    "alloc_bound": ("Bound (of the same)", "界(同上)"),
    "gaps_before_after": ("Gaps before → after", "缺口 规划前 → 规划后"),
    "as_of": ("As of", "核查日期"), "stocks_short": ("Depot-item stocks short of the norm",
                                                  "低于定额的储备库-物资组合"),
    "delivery_limit": ("Delivery time limit", "送达时限"),
    "depot": ("Depot", "储备库"), "item_col": ("Item", "物资"), "stock_col": ("Usable stock", "可用库存"),
    "required_col": ("Required", "需求量"), "shortfall_col": ("Shortfall", "缺口"),
    "covered_col": ("Covered", "满足比例"),
    "shortfall_caption": ("The largest shortfalls (top {n})", "缺口最大的物资(前 {n} 项)"),
    "n_scenarios": ("Disaster scenarios", "灾害情景数"), "new_depots": ("New depots", "新建储备库"),
    "none_new": ("none", "无"), "expected_unmet_units": ("Expected unmet need", "期望未满足需求"),
    "expected_unmet_col": ("Expected unmet quantity", "期望未满足数量"),
    "expected_unmet_caption": ("Expected unmet need by item", "各物资期望未满足数量"),
    "scenario_cost_range": ("Second-stage cost over the scenarios", "各情景二阶段成本"),
    "median": ("median", "中位数"),
    "rule_S5-001": ("County depot sized for evacuees", "县级救灾物资储备库保障紧急转移安置人口"),
    "rule_S5-007": ("First relief supplies reach affected area", "第一批救灾物资运抵灾区时限"),
    # notebooks
    "result": ("Result", "结果"), "objective": ("Objective", "目标值"), "bound": ("Bound", "界"),
    "solve_status": ("Solve status", "求解状态"),
}


#: Words that arrive in the data rather than in a heading: table names, station classes,
#: plan actions and what is planned. :func:`term` translates them (unknown words pass as given).
TERMS: dict[str, str] = {
    # tables of a county
    "demand": "需求点", "stations": "消防站", "units": "消防车辆", "candidates": "候选站址",
    "teams": "救援队伍", "hazards": "危险源", "enterprises": "企业", "venues": "人员密集场所",
    "depots": "物资储备库", "stock": "物资库存", "items": "物资品类", "shelters": "应急避难场所",
    "indicators": "上报指标", "incidents": "警情",
    # station classes (GB 51054-2014)
    "special": "特勤站", "class1": "一级站", "class2": "二级站", "small": "小型站",
    # plan actions and what is planned
    "build": "新建", "open": "启用", "buy": "采购", "fire": "消防站", "supplies": "应急物资", "fire station": "消防站",
    "shelter": "应急避难场所", "rescue team base": "救援队伍驻地", "supply depot": "物资储备库",
    "depot enlargement": "储备库扩建", "station": "座", "base": "处", "depot": "个",
    "level": "级",
    # shelter classes (GB 21734-2008)
    "central": "中心避难场所", "fixed": "固定避难场所", "emergency": "紧急避难场所",
    # rescue skills
    "non_coal_mine": "非煤矿山", "construction": "建筑施工", "hazardous_chemicals": "危险化学品",
    "flood": "防汛", "rail_transit": "轨道交通", "forest_fire": "森林灭火", "earthquake": "地震",
    # supply items and their units (the sample county's items table)
    "water": "饮用水", "food_ration": "口粮", "tent": "帐篷", "quilt": "棉被",
    "folding_bed": "折叠床", "soap": "肥皂", "portable_toilet": "移动厕所", "medical_kit": "急救包",
    "flashlight": "手电筒", "sandbag": "沙袋", "L": "升", "g": "克", "piece": "件", "unit": "个",
    "kit": "套", "bag": "袋",
    # unit types (dispatch, simulation)
    "engine": "水罐消防车", "ladder": "登高消防车", "rescue": "抢险救援消防车",
    # roles, gap reasons, statuses and methods in result tables
    "primary": "主责", "backup": "后备", "too_far": "距离过远", "crew_short": "人员不足",
    "no_skill": "无对应专业队伍", "candidate": "候选", "existing": "现有", "new": "新建",
    "nearest": "最近可用车辆", "plan": "按预案", "extensive": "扩展式确定性等价模型",
    "benders": "本德斯分解", "auto": "自动", "PASS": "达标", "FAIL": "未达标", "pass": "达标",
    "fail": "未达标",
    # confidence of a compliance rule's source (see the report's closing note)
    "CONFIRMED": "已核实", "SEED": "县方案原文", "SECONDARY": "二手来源", "DRAFT": "征求意见稿",
    "UNCONFIRMED": "待核实",
    "hazmat": "危化品处置车", "ambulance": "救护车", "ration (2100 kcal)": "份(2100千卡)", "tent (12 m2)": "顶(12 m²)",
}

#: Patterns of the plan's detail notes: (regular expression, Chinese with the groups).
TERM_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"district ([\d.,]+) km², ([\d,]+) people", r"辖区 \1 km²,\2 人"),
    (r"([\d,]+) m² effective, ([\d,]+) places", r"有效面积 \1 m²,\2 个安置位"),
    (r"(\d+) team\(s\), crew ([\d,]+)", r"\1 支队伍,\2 人"),
    (r"hold ([\d,]+) \(now ([\d,]+)\)", r"储备 \1(现有 \2)"),
    (r"level (\d+), capacity ([\d,]+) m³", r"\1 级,容量 \2 m³"),
    (r"capacity ([\d,]+) m³", r"容量 \1 m³"),
    (r"candidate sites chosen by more than one part \(each part is planned on its own: check "
     r"that the site can host all of them\): (.*)",
     r"以下候选站址被多个部分同时选中(各部分分别规划,请核实场地能否同时容纳):\1"),
)


def _yuan_zh(text: str) -> str:
    """``30,586,019 yuan`` → ``3,058.6 万元`` inside a note."""
    from yingji._render.fmt import money

    return re.sub(r"([\d,]+(?:\.\d+)?) yuan",
                  lambda m: money(float(m.group(1).replace(",", "")), lang="zh"), text)


def _relaxed_zh(m) -> str:
    """``'S3': 2.46, 'S5': 3.1`` → ``S3 2.46 km²、S5 3.1 km²``."""
    pairs = re.findall(r"'([^']*)': ([\d.]+)", m.group(1))
    return ("以下消防站辖区面积上限任何方案都无法满足,按其最小辖区面积计:"
            + "、".join(f"{k} {v} km²" for k, v in pairs) + "。")


def _gaps_zh(m) -> str:
    """``H1 flood (too_far), H2 earthquake (no_skill)`` with the skills and reasons in Chinese."""
    reasons = {"no_skill": "无对应专业队伍", "too_far": "距离过远", "crew_short": "人员不足"}
    items = [re.fullmatch(r"(\S+) (\S+) \((\w+)\)", g.strip()) for g in m.group(2).split(", ")]
    text = "、".join(f"{g.group(1)} {term(g.group(2), 'zh')}({reasons.get(g.group(3), g.group(3))})"
                    if g else "" for g in items)
    return f"{m.group(1)} 项缺口无候选驻地可以弥补:{text}"


#: The notes that plans and assessments attach to their results (English, written by the
#: domain modules): (regular expression, Chinese with the groups, or a function of the match).
#: :func:`note` translates a note; the test ``tests/report/test_notes_zh.py`` checks that every
#: note the sample county's plan gives has a Chinese form here.
NOTE_PATTERNS: tuple = (
    (r"Trade-off curve cut by time_limit=([\d.e+]+) s from (\d+) new stations on \(rows without "
     r"a plan; their bound is the coverable population\)\.",
     r"权衡曲线受时间上限 \1 秒所限:新建 \2 座及以上的各点未求解(这些行无方案,其界取可覆盖人口)。"),
    (r"District-area limits no plan can meet \(their minimal districts are used\): \{(.*)\}\.",
     _relaxed_zh),
    (r"No feasible plan found within time_limit=([\d.e+]+) s; nothing opened\. Raise time_limit\.",
     r"在时间上限 \1 秒内未找到可行方案,未新建站点;请提高 time_limit。"),
    (r"No candidate sites with 'fire' in their uses: nothing to open\.",
     r"没有用途(uses)包含 fire 的候选站址:无站可建。"),
    (r"Bound taken from the plan without district-area limits \(a relaxation\)\.",
     r"界取自不考虑辖区面积上限的方案(松弛问题)。"),
    (r"New stations are assumed staffed and equipped to their class \(建标152-2017\) unless the "
     r"candidates say otherwise\.",
     r"除候选站址另有说明外,新建消防站按其站级配齐人员和装备(建标152-2017)。"),
    (r"Availability plan: district-area limits and backup coverage are not part of its model\.",
     r"可用性规划:模型未考虑辖区面积上限和后备覆盖。"),
    (r"(\d+) coverable in-scope points cannot have (\d+) engines within the budget whatever is "
     r"built; they get every engine any site can bring\.",
     r"无论新建哪些站点,\1 个可覆盖的评估范围内需求点都无法在时间标准内获得 \2 辆消防车;"
     r"按各站点所能提供的全部车辆计。"),
    (r"Percentiles weighted by (incidents|population)\.",
     lambda m: "百分位数按" + ("警情" if m.group(1) == "incidents" else "人口") + "加权。"),
    (r"Full alarm = (\d+) companies \(ceil\(([\d.]+) persons / ([\d.]+) crew\)\); companies per "
     r"station from (.*)\.",
     r"第一出动力量 = \1 个战斗班(⌈\2 人 / 每班 \3 人⌉);各站战斗班数取自 \4。"),
    (r"Setbacks not checked: no venues with x/y given\.",
     r"未检查安全距离:人员密集场所未给出 x/y 坐标。"),
    (r"(\d+) urban demand point\(s\) no station or candidate can reach within the travel budget: "
     r"\[(.*)\]",
     lambda m: f"{m.group(1)} 个城区需求点在行车时间标准内无任何消防站或候选站址可达:"
               + m.group(2).replace("'", "").replace(", ", "、")
               + ("等" if int(m.group(1)) > m.group(2).count(",") + 1 else "")),
    (r"the coverage target is not met by this plan", r"本方案未达到覆盖目标"),
    (r"([\d,]+) people in (\d+) demand point\(s\) cannot be sheltered by any shelter or "
     r"candidate within walking reach",
     r"\2 个需求点的 \1 人在步行范围内无任何避难场所或候选场址可以安置"),
    (r"(\d+) gap\(s\) no candidate base closes: (.*)", _gaps_zh),
    (r"(\d+) scenarios from sample_scenarios\(seed=(\d+)\); expected cost (.*) \(first stage "
     r"(.*)\), value of the stochastic solution (.*)",
     lambda m: _yuan_zh(f"由内置灾害情景生成器以随机种子 {m.group(2)} 生成 {m.group(1)} 个灾害情景;"
                        f"期望总成本 {m.group(3)}(其中一阶段 {m.group(4)}),"
                        f"随机解价值 {m.group(5)}")),
    (r"figures after the plan not computed: (.*)", r"未计算规划后的指标:\1"),
)


def _skills_zh(m) -> str:
    words = [w.strip() for w in m.group(1).split(",")]
    zh = [w for w in words if re.search(r"[\u4e00-\u9fff]", w)] or [term(w, "zh") for w in words]
    return "须有专业为" + "或".join(zh) + "的救援队伍"


#: The parts of a compliance rule's ``reason`` (``;``-separated, English, written by the
#: compliance engine and the registered metrics): (regular expression, Chinese).
REASON_PATTERNS: tuple = (
    (r"no reported value", "无上报值"),
    (r"the source gives no numeric threshold \(unspecified\)", "来源未给出数值阈值"),
    (r"due by (.+)", r"须于 \1 前完成"), (r"due from (.+)", r"自 \1 起执行"),
    (r"a team with a skill naming one of (.*)", _skills_zh),
    (r"GB 51080-2015 4\.1\.3: 5 minutes to the district edge \((\S+)\) and the district-area "
     r"limits \((.*)\), from the registered fire metrics",
     r"GB 51080-2015 4.1.3:5 分钟到达辖区边缘(\1)及辖区面积上限(\2),取自已登记的消防指标"),
    (r"a limit that does not apply \(no such stations\) is skipped", "不适用的上限(无此类消防站)不计"),
    (r"effective shelter area per resident within walking reach: population-weighted 2SFCA "
     r"ratio over the network \(yingji\.shelters\.assess\)",
     "步行可达范围内人均有效避难面积:按路网计算的人口加权两步移动搜索比值"),
    (r"enterprises without a team that get a mutual-aid agreement with a team of their skill "
     r"within (\d+) min \(yingji\.teams\.allocate\)",
     r"无自有队伍的企业中,与 \1 分钟内同专业队伍签订互助协议的比例"),
    (r"every station has at least its class's 建标152-2017 staff minimum \((.*)\)",
     r"每座消防站人员不少于建标152-2017 对其站级的最低配备(\1)"),
)


def note(text, lang: str = "en") -> str:
    """A result's note in ``lang``: through :data:`NOTE_PATTERNS` (then :func:`term`) in
    Chinese; a note no pattern knows is returned as given (in English)."""
    s = str(text)
    if lang != "zh" or not s:
        return s
    for pat, zh in NOTE_PATTERNS:
        m = re.fullmatch(pat, s, flags=re.S)
        if m is not None:
            return zh(m) if callable(zh) else m.expand(zh)
    return term(s, lang)


#: Chinese labels of result fields (notebook display, the domain commands' reports); a field
#: not listed keeps its own name.
FIELDS: dict[str, str] = {
    "items": "物资", "townships": "乡镇", "rules": "规则检查", "objective": "目标值", "bound": "界",
    "gap": "最优性差距", "status": "求解状态", "optimal": "是否最优", "seconds": "运行时间",
    "stock": "储备", "sites": "站点", "cost": "投资", "expected_cost": "期望总成本",
    "first_stage_cost": "一阶段成本", "expected_unmet": "期望缺口", "scenario_costs": "各情景成本",
    "vss": "随机解价值", "method": "求解方法", "iterations": "迭代次数",
    "reach_share": "按时送达人口比例", "evacuee_capacity": "可保障转移人数",
    "population": "人口", "stations": "消防站", "coverage_share": "按时到达人口比例",
    "area_share": "按时到达面积比例", "mean_minutes": "平均响应时间", "p90_minutes": "90%分位响应时间",
    "within_standard": "达标比例", "first_due_busy": "首出站忙碌比例",
    "mean_wait_minutes": "平均等待时间", "share_queued": "排队比例", "utilisation": "车辆利用率",
    "per_replication": "各次重复结果", "by_point": "按需求点", "standard": "标准",
    "limit_minutes": "时间标准", "turnout_minutes": "出动时间", "replications": "重复次数",
    "horizon_hours": "仿真时长", "warmup_hours": "预热时长", "seed": "随机种子",
    "assignments": "分配", "gaps": "缺口", "coverage": "覆盖情况", "mutual_aid": "互助协议",
    "unassigned_enterprises": "未签互助协议的企业", "sheltered": "可安置人数",
    "unsheltered": "无法安置人数", "capacity": "安置容量", "per_capita_m2": "人均避难场所面积",
    "reachable_per_capita_m2": "步行可达人均面积", "sheltered_share": "可安置人口比例",
    "total_area_m2": "避难场所总面积", "new_shelters": "新建避难场所", "new_stations": "新建消防站",
    "n_new": "新建数量", "transfers": "调拨", "units": "车辆",
    # rescue teams
    "hazard": "危险源", "team": "队伍", "role": "职责", "skills": "专业", "skill": "专业",
    "crew": "人数(人)", "minutes": "行车时间(分钟)", "reason": "原因", "needed": "需要",
    "available": "可用", "hazards": "危险源数", "served": "按时到达数", "share": "比例",
    "teams": "队伍数", "enterprise": "企业", "candidate": "候选站址", "node": "路网节点",
    "new_bases": "新建驻地", "new_teams": "新建队伍", "remaining_gaps": "剩余缺口",
    "relocations": "队伍搬迁", "backup": "后备", "concurrent": "同时发生数",
    # supplies
    "depot": "储备库", "item": "物资", "expiring": "临期数量", "expired": "过期数量",
    "required": "需求量", "shortfall": "缺口", "covered_share": "满足比例", "township": "乡镇",
    "seat": "乡镇驻地", "met_share": "按时满足比例", "people_at_risk": "受灾人口(人)",
    "first_supplies_minutes": "首批物资到达时间(分钟)", "rule": "规则", "metric": "指标",
    "value": "数值", "operator": "比较", "threshold": "阈值", "unit": "单位", "passed": "是否达标",
    "quantity": "数量", "existing": "现有", "buy": "采购", "site": "站址", "kind": "类型",
    "open": "是否启用", "level": "级别", "capacity_m3": "容量(m³)", "used_m3": "占用(m³)",
    "as_of": "核查日期", "reach_hours": "送达时限(小时)", "short_pairs": "不足的库-物资组合",
    "scenarios": "情景数", "bound_gap": "界差距",
    # simulation
    "full_mean_minutes": "全部力量到场平均时间", "full_p90_minutes": "全部力量到场90%分位时间",
    "full_within_limit": "全部力量按时到场比例", "full_limit_minutes": "全部力量到场时间标准",
    "events_per_second": "每秒处理事件数", "static_within_standard": "静态模型达标比例",
    "policy": "调度策略", "requirements": "出动要求", "by_type": "按警情类型",
    "replication": "重复序号", "n_incidents": "警情数", "mean_utilisation": "平均车辆利用率",
    "hours": "仿真时长(小时)",
}


#: English labels of result fields whose name alone does not read as a label; every other
#: field is shown by :func:`field_label` as its name in words (``expected_cost`` → "Expected
#: cost", a unit suffix dropped: the value carries its unit).
FIELDS_EN: dict[str, str] = {
    "gap": "Optimality gap", "optimal": "Proven optimal", "seconds": "Run time",
    "vss": "Value of the stochastic solution", "n_new": "New sites", "p90_minutes":
    "90th-percentile minutes", "full_p90_minutes": "Full turnout, 90th-percentile minutes",
    "reach_share": "Population supplied in time", "evacuee_capacity": "Evacuees the stock covers",
    "coverage_share": "Population reached in time", "area_share": "Area reached in time",
    "within_standard": "Within the standard", "first_due_busy": "First-due unit busy",
    "per_capita_m2": "Shelter area per resident", "reachable_per_capita_m2":
    "Reachable shelter area per resident", "as_of": "As of", "seat": "Township seat",
    "expected_unmet": "Expected unmet demand", "scenario_costs": "Cost per scenario",
    "people_at_risk": "People at risk", "first_supplies_minutes": "First supplies, minutes",
    "crew": "Crew", "bound_gap": "Gap to the bound",
}

#: Unit suffixes left out of an English label (the formatted value shows the unit).
_UNIT_SUFFIXES = ("_m2", "_km2", "_m3", "_h")
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")


def _words(name: str) -> str:
    """``"hazardous_chemicals"`` → ``"hazardous chemicals"`` (a snake_case word only)."""
    return name.replace("_", " ") if _SNAKE.fullmatch(name) else name


def field_label(name: str, lang: str = "en") -> str:
    """A result field's label: the :data:`FIELDS` label in Chinese; in English the
    :data:`FIELDS_EN` label or the name in words, first letter capitalised, unit suffix dropped
    (``"total_area_m2"`` → ``"Total area"``). A name that is not snake_case is kept."""
    if lang == "zh":
        return FIELDS.get(name, name)
    if name in FIELDS_EN:
        return FIELDS_EN[name]
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        return name
    for suffix in _UNIT_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    words = name.replace("_", " ")
    return words[:1].upper() + words[1:]


def term(word, lang: str = "en") -> str:
    """A data word in ``lang``: ``"class1"`` → ``"一级站"``; ``"fire station (class1)"`` →
    ``"消防站(一级站)"``; a word not in :data:`TERMS` (an item's own name) is returned as given.
    In English a snake_case data word reads as words (``"crew_short"`` → ``"crew short"``)."""
    s = str(word)
    if lang != "zh" or not s:
        return _words(s) if lang == "en" else s
    if s in TERMS:
        return TERMS[s]
    for pat, zh in TERM_PATTERNS:
        if re.fullmatch(pat, s):
            return re.sub(pat, zh, s)
    if s.endswith(")") and " (" in s and s.split(" (", 1)[0] in TERMS:
        head, inner = s[:-1].split(" (", 1)
        return f"{TERMS[head]}({'、'.join(term(w.strip(), lang) for w in inner.split(','))})"
    if s.endswith(" shelter") and s[:-8] in TERMS:
        return TERMS[s[:-8]]
    if ";" in s:
        return "、".join(term(w, lang) for w in s.split(";"))
    return s


def check_lang(lang: str, what: str = "the report") -> str:
    """``lang`` when it is ``"en"`` or ``"zh"``; a ValidationError naming it otherwise."""
    if lang not in LANGS:

        raise ValidationError(f"The 'lang' parameter of {what} must be one of 'en', 'zh'. "
                              f"Got {lang!r} instead.")
    return lang


def t(key: str, lang: str = "en", **kw) -> str:
    """The message ``key`` in ``lang`` (``kw`` fill its ``{placeholders}``)."""
    pair = MESSAGES.get(key)
    if pair is None:
        text = key
    else:
        text = pair[1] if lang == "zh" else pair[0]
    return text.format(**kw) if kw else text
