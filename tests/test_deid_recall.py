"""Recall and false positives of de-identification on planted, synthetic personal information.

Every sentence below is invented; the people, numbers and places are fictional. `{kind:value}` marks what
must be replaced (for title forms only the surname is marked: `{person:张}医生`). Unmarked text must stay.
"""

from __future__ import annotations

import re

import pytest

from themeflow.deid.detect import Detector

PLANTED = """\
访谈者：您好，我是这次的访谈员{person:林晓雯}，今天主要想听您聊聊日间照料中心的生活。
受访者：好的。我叫{person:周建国}，大家都叫我老{person:周}。
访谈者：您是怎么知道这个中心的？
受访者：是{person:张}医生介绍的，她说来这边有人陪着说说话，对病情有好处。
受访者：刚来的时候{person:谢}老师……不对，是{person:谢}老师先带我认识了几个病友。
受访者：我们小组里有个叫{person:王丽娟}的大姐，特别热心，每次都给大家带水果。
受访者：还有{person:李秀英}阿姨，她儿子{person:陈浩}也常来接她。
受访者：社工{person:赵敏}会帮我们安排活动，有时候是手工，有时候是唱歌。
访谈者：您家里人支持您来吗？
受访者：我爱人{person:刘淑芬}一开始不太放心，后来看我状态好了，她也就放心了。
受访者：我女儿{person:周晓燕}在外地读书，每个礼拜给我打电话。
受访者：她的手机是{phone:139 1234 5678}，中心登记的紧急联系人就是她。
受访者：我自己的号码是{phone:+86 138-0013-8000}，有事可以打给我。
受访者：中心办公室的座机是{phone:021-64381234}，工作日都有人接。
受访者：以前住院那家医院的电话是{phone:(021)34289999}，挂号很难。
受访者：办卡的时候要填身份证，我的身份证号是{id_card:110101199003074514}，我都背下来了。
受访者：老证件是十五位的，号码是{id_card:310104720513123}，早就不用了。
受访者：小组里的病友都加了微信，我的微信号是{wechat:zhou_jianguo1968}，方便联系。
受访者：{person:王}大姐说她的VX：{wechat:wanglijuan_88}，让我有空发消息给她。
受访者：以前年轻人爱用QQ，我的QQ号是{qq:284913576}，现在很少上了。
受访者：我女儿还帮我申请了扣扣{qq:1538826640}，说是可以看新闻。
受访者：填报名表要写邮箱，我写的是{email:zhoujg1968@163.com}。
受访者：{person:赵}社工的工作邮箱是{email:zhao.min@sunshine-care.org.cn}，通知都从那里发。
受访者：低保的钱打到我的银行卡里，卡号是{bank_card:6222 0212 3456 7890 128}，我女儿帮我记着。
受访者：我家住在{address:中山北路200弄5号301室}，坐公交过来四站路。
受访者：中心的地址是{address:宜山路1388号}，门口有个小花园。
访谈者：您平时在中心最喜欢做什么？
受访者：我喜欢跟{person:高明远}下象棋，他下得比我好，但是很有耐心教我。
受访者：{person:黄}护士每天都会问我们有没有按时吃药。
受访者：有一次我情绪不好，{person:孙}主任专门找我谈了一个多小时。
受访者：小{person:李}是新来的志愿者，年纪轻轻的，做事很细心。
受访者：我们病友{person:欧阳娜娜}会弹吉他，过年的时候还表演了节目。
受访者：{person:马志强}以前跟我住一个病房，现在也来这个中心了。
受访者：我弟弟{person:周建军}在老家种地，逢年过节才见一面。
受访者：{person:郑}阿姨做的饺子特别好吃，大家都抢着吃。
受访者：我跟{person:吴}老师说过，我想学写毛笔字。
受访者：隔壁床的{person:杨国华}出院以后，还给我写过一封信。
受访者：我们这儿的{person:何}大夫说，药量可以慢慢减下来。
訪談者：您覺得{person:張}醫生說得對嗎？
受訪者：對，{person:張}醫生和{person:陳美玲}護士都很照顧我，我的手機是{phone:13712345678}。
受访者：我跟{person:许}姐说，这里就像第二个家。
受访者：刚生病那年，是我表哥{person:罗志明}陪我去医院挂的号。
受访者：病房的{person:唐}护士长人很好，晚上睡不着会陪我聊几句。
受访者：{person:宋佳怡}是中心新来的心理咨询师，说话很温柔。
受访者：我以前的同事{person:冯伟}听说我病了，还专门来家里看我。
受访者：小组长{person:曹丽华}组织我们每个月过一次集体生日。
受访者：我们几个病友私下叫她{person:彭}姐，她年纪最大。
受访者：{person:邓}主任跟我爱人说，家属也要学会照顾自己。
受访者：楼下的{person:蒋}阿姨知道我的情况，从来不在背后议论。
受访者：我最好的朋友是{person:韩雪梅}，我们从小学就认识了。
受访者：后来换了主治医生，是{person:潘志刚}医生，他更愿意听我说。
受访者：{person:袁}老师教我们做手工，我做了一个笔筒送给女儿。
受访者：老{person:高}以前是开出租车的，现在也在中心做康复。
受访者：第一次发病是在{institution:仁济医院}查出来的，我当时就懵了。
受访者：我在{institution:瑞金医院}内分泌科认识的护士，她教我怎么打针。
受访者：我们每个月在{institution:长宁区天山路街道社区卫生服务中心}听讲座。
受访者：后来转到{institution:上海市精神卫生中心}住了两个月。
受访者：{institution:徐汇区中心医院}的医生给我开了证明。
受访者：我爸以前在{institution:普陀区人民医院}上班。
受访者：病情稳定以后，{institution:曹杨新村街道}介绍我来这个中心。
受访者：{institution:枫林街道居委会}的阿姨经常来看我。
受访者：补办身份证要去{institution:田林派出所}。
受访者：我是{institution:上海交通大学}毕业的，后来一直在厂里。
受访者：他们带我去{institution:复旦大学附属中山医院}做了检查。
受访者：住院是在{institution:康宁医院}精神科，三病房。
受訪者：我女兒在{institution:華山醫院}當護士。
"""

# Ordinary sentences with look-alikes of names and numbers: nothing here is personal information.
DECOYS = """\
受访者：我觉得这个中心很高明，安排得很周到。
受访者：黎明的时候我常常醒过来，睡不着就到阳台上站一会儿。
受访者：我以前在常德打过工，后来回上海了。
受访者：我女儿用的手机是华为的，拍照很清楚。
受访者：从地铁站出来向东走五分钟就到了。
受访者：每周医生会来一次，给我们量血压。
受访者：小时候我家里条件不好，兄弟姐妹五个。
受访者：我每天吃两片药，一片早上，一片晚上。
受访者：病了以后我有三年没有工作，2019年才慢慢好起来。
受访者：一个月的药费大概是800块钱，医保能报一部分。
受访者：老师和医生都跟我说，要坚持按时吃药。
受访者：一个人在家的时候，心里总是空空的。
受访者：张开嘴巴说话对我来说以前很难。
受访者：我们一起唱了《明天会更好》，大家都很开心。
受访者：他们说我是王者荣耀玩得最好的，其实我只是打发时间。
受访者：那段时间我一天要睡十二个小时。
受访者：我们周一到周五每天九点到这里，下午四点回家。
受访者：我爸爸那年六十五岁，身体还算硬朗。
受访者：小区里的邻居有时候会问我去哪儿了，我就说去上班。
受访者：我最大的愿望就是能找到一份稳定的工作，自己养活自己。
受访者：那时候我住进了精神病医院，后来转到专科医院，条件好一点。
受访者：大医院人太多了，社区医院就在楼下，区里的医院我也去过。
受访者：附近的医院晚上不开门，这家医院的护士态度很好，那个医院搬走了。
受访者：我在三甲医院看过，也在综合医院看过，后来去了一家私人诊所。
受访者：一个月去一次区精卫中心拿药，社区卫生服务中心的医生会上门。
受访者：街道的干部和居委会的阿姨都来过，当地派出所也开了证明。
受访者：我女儿今年考上了大学，我儿子大学毕业以后就去上班了。
受访者：我们从小学就认识，我初中学历，看大医院要排很久。
受访者：出院以后我就来了阳光心园，在阳光心园认识了很多朋友。
受访者：我爸在人民医院住院，以前在中心医院看过，市第一人民医院太远。
"""

MARK = re.compile(r"\{(\w+):([^{}]+)\}")


def parse(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Text without marks, and the marked spans (start, end, kind)."""
    out, spans, pos = [], [], 0
    length = 0
    for m in MARK.finditer(marked):
        out.append(marked[pos : m.start()])
        length += m.start() - pos
        spans.append((length, length + len(m.group(2)), m.group(1)))
        out.append(m.group(2))
        length += len(m.group(2))
        pos = m.end()
    out.append(marked[pos:])
    return "".join(out), spans


def detections(text: str) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.kind) for s in Detector().detect(text)]


def _found(expected: tuple[int, int, str], found: list[tuple[int, int, str]]) -> bool:
    """A planted item counts as found when one replacement covers it entirely."""
    start, end, _ = expected
    return any(s <= start and end <= e for s, e, _ in found)


def recall_by_kind() -> tuple[dict[str, tuple[int, int]], list[str]]:
    text, planted = parse(PLANTED)
    found = detections(text)
    by_kind: dict[str, tuple[int, int]] = {}
    for item in planted:
        hit, total = by_kind.get(item[2], (0, 0))
        by_kind[item[2]] = (hit + _found(item, found), total + 1)
    misses = [f"{k} {text[s:e]}" for s, e, k in planted if not _found((s, e, k), found)]
    return by_kind, misses


def false_positives() -> list[str]:
    """Replacements that cover no planted item, in the planted text and in the decoys."""
    text, planted = parse(PLANTED)
    out = []
    for s, e, k in detections(text):
        if not any(ps < e and s < pe for ps, pe, _ in planted):
            out.append(f"{k} {text[s:e]}")
    for s, e, k in detections(DECOYS):
        out.append(f"{k} {DECOYS[s:e]}")
    return out


@pytest.mark.parametrize("kind", ["phone", "id_card", "wechat", "qq", "email", "bank_card", "address"])
def test_every_planted_number_and_handle_is_replaced(kind: str) -> None:
    by_kind, misses = recall_by_kind()
    hit, total = by_kind[kind]
    assert total > 0
    assert hit == total, misses


def test_names_are_replaced_with_at_least_95_percent_recall() -> None:
    by_kind, misses = recall_by_kind()
    hit, total = by_kind["person"]
    assert total >= 35
    assert hit / total >= 0.95, misses


def test_every_planted_hospital_centre_office_and_school_is_replaced() -> None:
    by_kind, misses = recall_by_kind()
    hit, total = by_kind["institution"]
    assert total >= 12
    assert hit == total, misses


def test_no_institution_is_found_in_the_demo_corpus() -> None:
    """The demo transcripts mention 医院, 街道, 居委会, 精卫中心, 大学 and the programme 阳光心园 only
    generically: none of it names an institution."""
    from conftest import REPO
    from themeflow.deid.detect import detection_shadow
    from themeflow.deid.institutions import find_institutions
    from themeflow.ingest.readers import read_source

    found = []
    paths = sorted((REPO / "data" / "transcripts").iterdir())
    assert len(paths) == 14
    for path in paths:
        text = read_source(path).text
        found += [f"{path.name}: {text[s.start : s.end]}" for s in find_institutions(detection_shadow(text))]
    assert found == []


def test_false_positives_stay_within_the_measured_bound() -> None:
    wrong = false_positives()
    print(f"false positives ({len(wrong)}): {wrong}")
    assert len(wrong) <= FALSE_POSITIVE_BOUND, wrong


# Measured: 0 on these sentences (and none among the 135 replacements in the demo corpus on review; no
# institution found in the demo corpus either).
FALSE_POSITIVE_BOUND = 1
