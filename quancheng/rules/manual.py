"""Requirements that software cannot or should not enforce, each with the reason (shown in docs/traceability.md).

Only what is genuinely organisational or outside the data model belongs here: staff qualification, training,
agency-level plans, premises, operations. Anything the software could check stays out, even when no rule
checks it yet (it is then "not yet" in the table, not "manual"). An id here that a registry rule enforces, or
that spec/requirements.yaml does not have, makes ``quancheng rules traceability`` fail.
"""

from __future__ import annotations

MANUAL: dict[str, str] = {
    "GEN-04": "原则性条款(合法、全面、客观、及时、可追溯),本身不是可检查的事实;由 INTEGRITY-*、DEADLINE-01、ARCHIVE-* "
    "等具体要求分别落实。",
    "STAFF-06": "记录人员熟悉法律法规、具备法律水平和书面表达能力,属人员资质与培训(人事)事项,数据模型中无从判断。",
    "START-04": "受理地点“可以”安装电子监控系统,属可选的场所设施建设,装与不装由机关决定,无可强制之处。",
    "TEXT-02": "年度监督检查计划是机关层面的年度计划文件,不属于案件数据模型,由机关按年度制定并存档。",
    "ARCHIVE-07": "数据库和对象存储的备份及恢复演练属运维部署,应用本身无法保证备份存在;恢复后可用 `quancheng verify` "
    "校验台账完整性。",
    "SUPERVISE-06": "对执法人员开展记录培训和监督检查是实施主体的组织工作,培训的计划与实施不在本系统数据模型内。",
    "DISCRETION-05": "定期开展行政裁量权培训和教育是机关的组织工作,不在本系统数据模型内。",
}
