"""Chinese surnames, in the three strengths the name detectors need.

`SURNAMES` confirms a name found by the tokenizer; `TITLE_SURNAMES` may stand alone before a title
(张医生, 谢老师); `FAMILIAR_SURNAMES` may follow 老/小 (老周, 小李). The shorter lists leave out characters
that are far more often ordinary words (和, 于, 向, 常, 时...), which would turn 每周医生 or 小时 into names.
"""

from __future__ import annotations

# The most frequent ~100 single-character surnames (2020 census order, roughly).
FAMILIAR_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴孔汤庞"
    "樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍韦申尤毕聂焦向柳邢岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜詹"
    "关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵解强柴华车冉房边"
)

# Characters that are surnames but mostly ordinary words; never a name on their own before a title.
_AMBIGUOUS = set("和于向常时成安单关强华车房边位解包景司宁甘曲游阳查项凌沿全文明都也把从能那")

TITLE_SURNAMES = frozenset(FAMILIAR_SURNAMES - _AMBIGUOUS)

SURNAMES = frozenset(
    FAMILIAR_SURNAMES | set("乔滕幸伏宫宗厉危娄尚农冷卓蒙储晏骆阎祖符邬荣鞠巫钭麦蔺茅甄麻井冀习虞闻荆郁简饶臧卞仇")
)

COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 诸葛 上官 东方 皇甫 令狐 慕容 尉迟 公孙 长孙 宇文 司徒 夏侯 轩辕 端木 独孤 南宫 西门 呼延".split()
)

# Titles and kin terms that follow a surname in speech; the surname is replaced and the title kept.
TITLES = (
    "护士长",
    "医生",
    "大夫",
    "老师",
    "教授",
    "阿姨",
    "主任",
    "护士",
    "社工",
    "先生",
    "女士",
    "小姐",
    "叔叔",
    "伯伯",
    "大爷",
    "大妈",
    "大姐",
    "大哥",
    "奶奶",
    "爷爷",
    "院长",
    "经理",
    "师傅",
    "书记",
    "科长",
    "姐姐",
    "哥哥",
    "老板",
    "同学",
    "警官",
    "律师",
    "太太",
    "姨",
    "叔",
    "姐",
    "哥",
    "总",
)
