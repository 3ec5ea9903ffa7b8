"""Hubei's prefecture-level divisions, their county-level divisions and the zone's
categories: reference data every installation needs, loaded by a data migration.

Each prefecture: (slug, English, Chinese, kind, counties); each county:
(slug, English, Chinese, known for in English, known for in Chinese).
"""

CITY, AUTONOMOUS, DIRECT = "city", "autonomous", "direct"

PREFECTURES = [
    (
        "wuhan",
        "Wuhan",
        "武汉市",
        CITY,
        [
            ("jiangan", "Jiang'an District", "江岸区", "", ""),
            ("jianghan", "Jianghan District", "江汉区", "", ""),
            ("qiaokou", "Qiaokou District", "硚口区", "", ""),
            ("hanyang", "Hanyang District", "汉阳区", "", ""),
            ("wuchang", "Wuchang District", "武昌区", "", ""),
            ("qingshan", "Qingshan District", "青山区", "", ""),
            ("hongshan", "Hongshan District", "洪山区", "", ""),
            ("dongxihu", "Dongxihu District", "东西湖区", "", ""),
            ("hannan", "Hannan District", "汉南区", "", ""),
            ("caidian", "Caidian District", "蔡甸区", "lotus root", "莲藕"),
            (
                "jiangxia",
                "Jiangxia District",
                "江夏区",
                "vegetables and Jiangxia crayfish",
                "蔬菜、江夏小龙虾",
            ),
            ("huangpi", "Huangpi District", "黄陂区", "", ""),
            ("xinzhou", "Xinzhou District", "新洲区", "", ""),
        ],
    ),
    (
        "huangshi",
        "Huangshi",
        "黄石市",
        CITY,
        [
            ("huangshigang", "Huangshigang District", "黄石港区", "", ""),
            ("xisaishan", "Xisaishan District", "西塞山区", "", ""),
            ("xialu", "Xialu District", "下陆区", "", ""),
            ("tieshan", "Tieshan District", "铁山区", "", ""),
            ("yangxin", "Yangxin County", "阳新县", "", ""),
            ("daye", "Daye", "大冶市", "", ""),
        ],
    ),
    (
        "shiyan",
        "Shiyan",
        "十堰市",
        CITY,
        [
            ("maojian", "Maojian District", "茅箭区", "", ""),
            ("zhangwan", "Zhangwan District", "张湾区", "", ""),
            ("yunyang", "Yunyang District", "郧阳区", "", ""),
            ("yunxi", "Yunxi County", "郧西县", "", ""),
            ("zhushan", "Zhushan County", "竹山县", "", ""),
            ("zhuxi", "Zhuxi County", "竹溪县", "", ""),
            ("fangxian", "Fang County", "房县", "black fungus and shiitake", "房县黑木耳、香菇"),
            ("danjiangkou", "Danjiangkou", "丹江口市", "", ""),
        ],
    ),
    (
        "yichang",
        "Yichang",
        "宜昌市",
        CITY,
        [
            ("xiling", "Xiling District", "西陵区", "", ""),
            ("wujiagang", "Wujiagang District", "伍家岗区", "", ""),
            ("dianjun", "Dianjun District", "点军区", "", ""),
            ("xiaoting", "Xiaoting District", "猇亭区", "", ""),
            ("yiling", "Yiling District", "夷陵区", "", ""),
            ("yuanan", "Yuan'an County", "远安县", "", ""),
            ("xingshan", "Xingshan County", "兴山县", "", ""),
            ("zigui", "Zigui County", "秭归县", "navel oranges", "秭归脐橙"),
            ("changyang", "Changyang Tujia Autonomous County", "长阳土家族自治县", "", ""),
            (
                "wufeng",
                "Wufeng Tujia Autonomous County",
                "五峰土家族自治县",
                "Caihua Maojian green tea",
                "采花毛尖",
            ),
            ("yidu", "Yidu", "宜都市", "mandarins and Yihong black tea", "宜都蜜柑、宜红茶"),
            ("dangyang", "Dangyang", "当阳市", "", ""),
            ("zhijiang", "Zhijiang", "枝江市", "", ""),
        ],
    ),
    (
        "xiangyang",
        "Xiangyang",
        "襄阳市",
        CITY,
        [
            ("xiangcheng", "Xiangcheng District", "襄城区", "", ""),
            ("fancheng", "Fancheng District", "樊城区", "", ""),
            ("xiangzhou", "Xiangzhou District", "襄州区", "", ""),
            ("nanzhang", "Nanzhang County", "南漳县", "", ""),
            ("gucheng", "Gucheng County", "谷城县", "", ""),
            ("baokang", "Baokang County", "保康县", "", ""),
            ("laohekou", "Laohekou", "老河口市", "", ""),
            ("zaoyang", "Zaoyang", "枣阳市", "", ""),
            ("yicheng", "Yicheng", "宜城市", "", ""),
        ],
    ),
    (
        "ezhou",
        "Ezhou",
        "鄂州市",
        CITY,
        [
            (
                "liangzihu",
                "Liangzihu District",
                "梁子湖区",
                "Wuchang bream and Liangzi Lake crabs",
                "武昌鱼、梁子湖大闸蟹",
            ),
            ("huarong", "Huarong District", "华容区", "", ""),
            ("echeng", "Echeng District", "鄂城区", "", ""),
        ],
    ),
    (
        "jingmen",
        "Jingmen",
        "荆门市",
        CITY,
        [
            ("dongbao", "Dongbao District", "东宝区", "", ""),
            ("duodao", "Duodao District", "掇刀区", "", ""),
            ("shayang", "Shayang County", "沙洋县", "", ""),
            ("zhongxiang", "Zhongxiang", "钟祥市", "", ""),
            ("jingshan", "Jingshan", "京山市", "Qiaomi rice", "京山桥米"),
        ],
    ),
    (
        "xiaogan",
        "Xiaogan",
        "孝感市",
        CITY,
        [
            (
                "xiaonan",
                "Xiaonan District",
                "孝南区",
                "rice wine and sesame candy",
                "孝感米酒、孝感麻糖",
            ),
            ("xiaochang", "Xiaochang County", "孝昌县", "", ""),
            ("dawu", "Dawu County", "大悟县", "", ""),
            ("yunmeng", "Yunmeng County", "云梦县", "", ""),
            ("yingcheng", "Yingcheng", "应城市", "", ""),
            ("anlu", "Anlu", "安陆市", "", ""),
            ("hanchuan", "Hanchuan", "汉川市", "", ""),
        ],
    ),
    (
        "jingzhou",
        "Jingzhou",
        "荆州市",
        CITY,
        [
            ("shashi", "Shashi District", "沙市区", "", ""),
            ("jingzhou-district", "Jingzhou District", "荆州区", "", ""),
            ("gongan", "Gong'an County", "公安县", "", ""),
            ("jiangling", "Jiangling County", "江陵县", "", ""),
            ("shishou", "Shishou", "石首市", "", ""),
            (
                "honghu",
                "Honghu",
                "洪湖市",
                "lotus root, salted duck eggs, freshwater fish",
                "洪湖莲藕、咸鸭蛋、淡水鱼",
            ),
            ("songzi", "Songzi", "松滋市", "", ""),
            ("jianli", "Jianli", "监利市", "crayfish and rice", "监利小龙虾、大米"),
        ],
    ),
    (
        "huanggang",
        "Huanggang",
        "黄冈市",
        CITY,
        [
            ("huangzhou", "Huangzhou District", "黄州区", "", ""),
            ("tuanfeng", "Tuanfeng County", "团风县", "", ""),
            ("hongan", "Hong'an County", "红安县", "", ""),
            ("luotian", "Luotian County", "罗田县", "chestnuts", "罗田板栗"),
            ("yingshan", "Yingshan County", "英山县", "Yingshan Yunwu tea", "英山云雾茶"),
            ("xishui", "Xishui County", "浠水县", "", ""),
            ("qichun", "Qichun County", "蕲春县", "mugwort (moxa)", "蕲艾"),
            ("huangmei", "Huangmei County", "黄梅县", "", ""),
            ("macheng", "Macheng", "麻城市", "Fubai chrysanthemum", "麻城福白菊"),
            ("wuxue", "Wuxue", "武穴市", "", ""),
        ],
    ),
    (
        "xianning",
        "Xianning",
        "咸宁市",
        CITY,
        [
            ("xianan", "Xian'an District", "咸安区", "", ""),
            ("jiayu", "Jiayu County", "嘉鱼县", "", ""),
            ("tongcheng", "Tongcheng County", "通城县", "", ""),
            ("chongyang", "Chongyang County", "崇阳县", "", ""),
            ("tongshan", "Tongshan County", "通山县", "", ""),
            ("chibi", "Chibi", "赤壁市", "green brick tea", "赤壁青砖茶"),
        ],
    ),
    (
        "suizhou",
        "Suizhou",
        "随州市",
        CITY,
        [
            ("zengdu", "Zengdu District", "曾都区", "", ""),
            ("suixian", "Suixian County", "随县", "shiitake mushrooms", "随州香菇"),
            ("guangshui", "Guangshui", "广水市", "", ""),
        ],
    ),
    (
        "enshi",
        "Enshi Tujia and Miao Autonomous Prefecture",
        "恩施土家族苗族自治州",
        AUTONOMOUS,
        [
            (
                "enshi-city",
                "Enshi City",
                "恩施市",
                "Enshi Yulu steamed green tea, selenium-rich produce",
                "恩施玉露、富硒农产品",
            ),
            ("lichuan", "Lichuan", "利川市", "", ""),
            ("jianshi", "Jianshi County", "建始县", "", ""),
            ("badong", "Badong County", "巴东县", "", ""),
            (
                "xuanen",
                "Xuan'en County",
                "宣恩县",
                "selenium-rich Wujiatai tribute tea",
                "伍家台贡茶",
            ),
            ("xianfeng", "Xianfeng County", "咸丰县", "", ""),
            ("laifeng", "Laifeng County", "来凤县", "", ""),
            ("hefeng", "Hefeng County", "鹤峰县", "", ""),
        ],
    ),
    (
        "xiantao",
        "Xiantao",
        "仙桃市",
        DIRECT,
        [
            (
                "xiantao-city",
                "Xiantao",
                "仙桃市",
                "eel and Mianyang steamed dishes",
                "黄鳝、沔阳三蒸",
            ),
        ],
    ),
    (
        "qianjiang",
        "Qianjiang",
        "潜江市",
        DIRECT,
        [
            (
                "qianjiang-city",
                "Qianjiang",
                "潜江市",
                "crayfish and the crayfish-rice system",
                "潜江龙虾、虾稻共作",
            ),
        ],
    ),
    (
        "tianmen",
        "Tianmen",
        "天门市",
        DIRECT,
        [
            ("tianmen-city", "Tianmen", "天门市", "", ""),
        ],
    ),
    (
        "shennongjia",
        "Shennongjia",
        "神农架林区",
        DIRECT,
        [
            (
                "shennongjia-district",
                "Shennongjia",
                "神农架林区",
                "wild honey and mountain produce",
                "野生蜂蜜、山货",
            ),
        ],
    ),
]

# (slug, English, Chinese); the first five are the zone's headline categories.
CATEGORIES = [
    ("citrus", "Oranges & citrus", "脐橙柑橘"),
    ("eggs", "Eggs", "禽蛋"),
    ("tea", "Tea", "茶叶"),
    ("crayfish", "Crayfish", "小龙虾"),
    ("hot-dry-noodles", "Hot dry noodles", "热干面"),
    ("lotus-root", "Lotus root", "莲藕"),
    ("rice", "Rice", "大米"),
    ("mushrooms-fungus", "Mushrooms & fungus", "菌菇木耳"),
    ("chestnuts-nuts", "Chestnuts & nuts", "板栗坚果"),
    ("honey", "Honey", "蜂蜜"),
    ("freshwater-fish", "Freshwater fish & crab", "淡水鱼蟹"),
    ("rice-wine-snacks", "Rice wine & snacks", "米酒特产零食"),
    ("dried-goods", "Dried goods & herbs", "干货花草"),
]

# Fresh produce is exempt from the seven-day no-reason return: a shopper reports it
# within 48 hours of receipt (Category.aftersales_hours; catalog migration 0013).
FRESH_CATEGORIES = ["crayfish", "freshwater-fish", "citrus", "eggs", "lotus-root"]
FRESH_AFTERSALES_HOURS = 48


def load_reference_data(Prefecture, County, Category):
    """Create the places and categories that are missing; rows staff edited are left as
    they are. Takes the models so a migration can pass its historical ones."""
    for position, (slug, name_en, name_zh, kind, counties) in enumerate(PREFECTURES):
        prefecture, _ = Prefecture.objects.get_or_create(
            slug=slug,
            defaults={"name_en": name_en, "name_zh": name_zh, "kind": kind, "position": position},
        )
        for county_slug, county_en, county_zh, known_en, known_zh in counties:
            County.objects.get_or_create(
                slug=county_slug,
                defaults={
                    "prefecture": prefecture,
                    "name_en": county_en,
                    "name_zh": county_zh,
                    "known_for_en": known_en,
                    "known_for_zh": known_zh,
                },
            )
    for position, (slug, name_en, name_zh) in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            slug=slug, defaults={"name_en": name_en, "name_zh": name_zh, "position": position}
        )
