"""Fixed, deterministic reference data of the sample generator: departments, procedures, fake people.

Nothing here is random at import time: every list is written out or derived from stable hashes, so two
runs (and two machines) see exactly the same catalogue.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from functools import cache, lru_cache

from chiso import paths

# --------------------------------------------------------------------------------------------------------
# provincial departments: (code suffix, name, abbreviation for document numbers)
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("01", "Văn phòng UBND tỉnh", "VP"),
    ("02", "Sở Nội vụ", "SNV"),
    ("03", "Sở Tư pháp", "STP"),
    ("04", "Sở Tài chính", "STC"),
    ("05", "Sở Công Thương", "SCT"),
    ("06", "Sở Nông nghiệp và Môi trường", "SNNMT"),
    ("07", "Sở Xây dựng", "SXD"),
    ("08", "Sở Khoa học và Công nghệ", "SKHCN"),
    ("09", "Sở Giáo dục và Đào tạo", "SGDĐT"),
    ("10", "Sở Y tế", "SYT"),
    ("11", "Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    ("12", "Sở Dân tộc và Tôn giáo", "SDTTG"),
    ("13", "Thanh tra tỉnh", "TTr"),
    ("14", "Ban Quản lý các khu công nghiệp", "BQLKCN"),
    ("15", "Công an tỉnh", "CAT"),
    ("16", "Sở Ngoại vụ", "SNgV"),
]

# --------------------------------------------------------------------------------------------------------
# procedures: (level, department suffix or "", name, field code, field name, fee VND, deadline working days,
#              online level full|partial|none, relative volume)
_P = [
    # provincial departments
    ("tinh", "03", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
     "G09-TP05", "Lý lịch tư pháp", 200000, 10, "full", 8.0),
    ("tinh", "03", "Cấp Phiếu lý lịch tư pháp cho cơ quan tiến hành tố tụng", "G09-TP05", "Lý lịch tư pháp",
     0, 10, "partial", 1.0),
    ("tinh", "03", "Đăng ký hoạt động Văn phòng công chứng", "G09-TP02", "Công chứng", 1000000, 10, "partial", 0.3),
    ("tinh", "03", "Cấp lại Thẻ công chứng viên", "G09-TP02", "Công chứng", 100000, 5, "partial", 0.2),
    ("tinh", "04", "Đăng ký thành lập doanh nghiệp tư nhân", "G09-TC01", "Thành lập và hoạt động doanh nghiệp",
     50000, 3, "full", 5.0),
    ("tinh", "04", "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên", "G09-TC01",
     "Thành lập và hoạt động doanh nghiệp", 50000, 3, "full", 6.0),
    ("tinh", "04", "Đăng ký thay đổi nội dung đăng ký doanh nghiệp", "G09-TC01",
     "Thành lập và hoạt động doanh nghiệp", 50000, 3, "full", 8.0),
    ("tinh", "04", "Thông báo tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo", "G09-TC01",
     "Thành lập và hoạt động doanh nghiệp", 0, 3, "full", 3.0),
    ("tinh", "04", "Đăng ký mã số đơn vị có quan hệ với ngân sách", "G09-TC04", "Tin học - Thống kê",
     0, 2, "full", 1.5),
    ("tinh", "05", "Cấp Giấy phép bán lẻ sản phẩm thuốc lá", "G09-CT03", "Lưu thông hàng hóa trong nước",
     1200000, 15, "partial", 0.5),
    ("tinh", "05", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm do Sở Công Thương thực hiện",
     "G09-CT07", "An toàn thực phẩm", 1000000, 20, "partial", 0.8),
    ("tinh", "05", "Cấp Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ LPG chai", "G09-CT05", "Kinh doanh khí",
     1200000, 15, "partial", 0.3),
    ("tinh", "06", "Cấp giấy phép khai thác, sử dụng nước mặt", "G09-NM02", "Tài nguyên nước",
     600000, 20, "partial", 0.3),
    ("tinh", "06", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "G09-NM01",
     "Đất đai", 100000, 10, "partial", 10.0),
    ("tinh", "06", "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất lần đầu",
     "G09-NM01", "Đất đai", 100000, 20, "partial", 3.0),
    ("tinh", "06", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm nông, lâm, thủy sản", "G09-NM05",
     "Quản lý chất lượng nông lâm sản và thủy sản", 700000, 15, "partial", 0.4),
    ("tinh", "07", "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II", "G09-XD01",
     "Hoạt động xây dựng", 150000, 20, "partial", 0.6),
    ("tinh", "07", "Cấp chứng chỉ hành nghề hoạt động xây dựng hạng II, hạng III", "G09-XD01",
     "Hoạt động xây dựng", 300000, 20, "full", 0.8),
    ("tinh", "07", "Cấp mới giấy phép lái xe", "G09-XD05", "Đường bộ", 135000, 10, "partial", 6.0),
    ("tinh", "07", "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "G09-XD05", "Đường bộ",
     135000, 5, "full", 9.0),
    ("tinh", "08", "Đăng ký hợp đồng chuyển giao công nghệ", "G09-KH03", "Chuyển giao công nghệ",
     1000000, 15, "full", 0.1),
    ("tinh", "08", "Cấp giấy phép tiến hành công việc bức xạ sử dụng thiết bị X-quang chẩn đoán trong y tế",
     "G09-KH06", "An toàn bức xạ và hạt nhân", 2000000, 15, "partial", 0.3),
    ("tinh", "09", "Cấp bản sao văn bằng, chứng chỉ từ sổ gốc", "G09-GD04", "Văn bằng, chứng chỉ", 0, 3, "full", 2.0),
    ("tinh", "09", "Chỉnh sửa nội dung văn bằng, chứng chỉ", "G09-GD04", "Văn bằng, chứng chỉ", 0, 5, "partial", 0.3),
    ("tinh", "09", "Cho phép trung tâm ngoại ngữ, tin học hoạt động giáo dục", "G09-GD02",
     "Giáo dục và Đào tạo thuộc hệ thống giáo dục quốc dân", 0, 20, "partial", 0.1),
    ("tinh", "10", "Cấp giấy phép hành nghề khám bệnh, chữa bệnh", "G09-YT01", "Khám bệnh, chữa bệnh",
     360000, 20, "partial", 1.0),
    ("tinh", "10", "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược cho cơ sở bán lẻ thuốc", "G09-YT02", "Dược phẩm",
     1000000, 20, "partial", 1.0),
    ("tinh", "10", "Cấp Chứng chỉ hành nghề dược", "G09-YT02", "Dược phẩm", 500000, 20, "partial", 0.8),
    ("tinh", "11", "Cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke", "G09-VH01", "Văn hóa",
     4000000, 5, "partial", 0.3),
    ("tinh", "11", "Cấp thẻ hướng dẫn viên du lịch nội địa", "G09-VH05", "Lữ hành", 650000, 10, "full", 0.4),
    ("tinh", "02", "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", "G09-NV06",
     "Việc làm", 600000, 5, "full", 0.5),
    ("tinh", "02", "Giải quyết hưởng trợ cấp thất nghiệp", "G09-NV06", "Việc làm", 0, 20, "partial", 3.0),
    ("tinh", "12", "Đăng ký hoạt động tín ngưỡng", "G09-DT02", "Tín ngưỡng, tôn giáo", 0, 15, "partial", 0.1),
    ("tinh", "14", "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư",
     "G09-QL01", "Đầu tư tại Việt Nam", 0, 15, "partial", 0.2),
    ("tinh", "14", "Xác nhận hợp đồng thuê lại đất trong khu công nghiệp", "G09-QL02", "Đất đai khu công nghiệp",
     0, 7, "partial", 0.1),
    ("tinh", "15", "Cấp hộ chiếu phổ thông ở trong nước (thực hiện tại cấp tỉnh)", "G09-CA01", "Xuất nhập cảnh",
     200000, 8, "full", 4.0),
    ("tinh", "15", "Đăng ký, cấp biển số xe lần đầu", "G09-CA03", "Đăng ký, quản lý phương tiện giao thông",
     500000, 2, "partial", 2.0),
    ("tinh", "16", "Cho phép tổ chức hội nghị, hội thảo quốc tế", "G09-NG01", "Ngoại vụ", 0, 15, "partial", 0.05),
    ("tinh", "01", "Cho phép sử dụng thẻ đi lại của doanh nhân APEC", "G09-VP01", "Ngoại vụ",
     1200000, 15, "partial", 0.1),
    ("tinh", "13", "Giải quyết khiếu nại lần đầu tại cấp tỉnh", "G09-TT01", "Giải quyết khiếu nại", 0, 30, "none", 0.1),
    # district People's Committees (communes after 1 July 2025)
    ("huyen", "", "Đăng ký thành lập hộ kinh doanh", "G10-HK01", "Thành lập và hoạt động của hộ kinh doanh",
     100000, 3, "full", 5.0),
    ("huyen", "", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "G10-HK01",
     "Thành lập và hoạt động của hộ kinh doanh", 50000, 3, "full", 2.0),
    ("huyen", "", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "G10-XD01", "Hoạt động xây dựng",
     75000, 15, "partial", 3.0),
    ("huyen", "", "Đăng ký kết hôn có yếu tố nước ngoài", "G10-HT01", "Hộ tịch", 1500000, 15, "partial", 0.2),
    ("huyen", "", "Đăng ký khai sinh có yếu tố nước ngoài", "G10-HT01", "Hộ tịch", 75000, 5, "partial", 0.2),
    ("huyen", "", "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng", "G10-BT01", "Bảo trợ xã hội",
     0, 22, "partial", 2.0),
    ("huyen", "", "Cấp Giấy phép bán lẻ rượu", "G10-CT01", "Lưu thông hàng hóa trong nước", 1200000, 10, "partial", 0.5),
    ("huyen", "", "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền", "G10-DD01",
     "Đất đai", 100000, 15, "partial", 2.0),
    ("huyen", "", "Cấp Giấy chứng nhận quyền sử dụng đất cho hộ gia đình, cá nhân", "G10-DD01", "Đất đai",
     100000, 20, "partial", 3.0),
    ("huyen", "", "Cho phép trường mầm non tư thục hoạt động giáo dục", "G10-GD01", "Giáo dục và Đào tạo",
     0, 20, "partial", 0.05),
    ("huyen", "", "Chuyển trường đối với học sinh trung học cơ sở", "G10-GD01", "Giáo dục và Đào tạo",
     0, 3, "full", 1.0),
    ("huyen", "", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "G10-BT01", "Bảo trợ xã hội",
     0, 5, "partial", 1.0),
    ("huyen", "", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "G10-AT01", "An toàn thực phẩm",
     500000, 15, "partial", 0.5),
    ("huyen", "", "Giải quyết khiếu nại lần đầu tại cấp huyện", "G10-TT01", "Giải quyết khiếu nại", 0, 30, "none", 0.1),
    ("huyen", "", "Cấp lại Giấy chứng nhận đăng ký hộ kinh doanh", "G10-HK01",
     "Thành lập và hoạt động của hộ kinh doanh", 50000, 3, "full", 0.4),
    ("huyen", "", "Tạm ngừng kinh doanh, tiếp tục kinh doanh trước thời hạn đã thông báo của hộ kinh doanh",
     "G10-HK01", "Thành lập và hoạt động của hộ kinh doanh", 0, 3, "full", 0.5),
    ("huyen", "", "Chấm dứt hoạt động hộ kinh doanh", "G10-HK01", "Thành lập và hoạt động của hộ kinh doanh",
     0, 3, "full", 0.4),
    ("huyen", "", "Cấp giấy phép sửa chữa, cải tạo nhà ở riêng lẻ", "G10-XD01", "Hoạt động xây dựng",
     75000, 15, "partial", 0.3),
    ("huyen", "", "Điều chỉnh giấy phép xây dựng đối với nhà ở riêng lẻ", "G10-XD01", "Hoạt động xây dựng",
     75000, 10, "partial", 0.2),
    ("huyen", "", "Cấp lại Giấy phép bán lẻ rượu", "G10-CT01", "Lưu thông hàng hóa trong nước", 600000, 7, "partial", 0.1),
    ("huyen", "", "Đăng ký khai tử có yếu tố nước ngoài", "G10-HT01", "Hộ tịch", 75000, 3, "partial", 0.05),
    ("huyen", "", "Đăng ký nhận cha, mẹ, con có yếu tố nước ngoài", "G10-HT01", "Hộ tịch", 1500000, 15, "partial", 0.05),
    ("huyen", "", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của nước "
     "ngoài cấp hoặc chứng nhận", "G10-CT02", "Chứng thực", 10000, 1, "partial", 0.4),
    ("huyen", "", "Cho phép trường tiểu học hoạt động giáo dục", "G10-GD01", "Giáo dục và Đào tạo", 0, 20, "partial", 0.03),
    ("huyen", "", "Xét, cấp học bổng chính sách", "G10-GD01", "Giáo dục và Đào tạo", 0, 10, "partial", 0.1),
    ("huyen", "", "Giải quyết tố cáo tại cấp huyện", "G10-TT01", "Giải quyết tố cáo", 0, 30, "none", 0.05),
    # commune People's Committees
    ("xa", "", "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền của Việt Nam "
     "cấp hoặc chứng nhận", "G11-CT01", "Chứng thực", 10000, 1, "full", 12.0),
    ("xa", "", "Chứng thực chữ ký trong các giấy tờ, văn bản", "G11-CT01", "Chứng thực", 10000, 1, "partial", 3.0),
    ("xa", "", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất và nhà ở",
     "G11-CT01", "Chứng thực", 50000, 2, "partial", 2.0),
    ("xa", "", "Đăng ký khai sinh", "G11-HT01", "Hộ tịch", 0, 1, "full", 6.0),
    ("xa", "", "Đăng ký khai tử", "G11-HT01", "Hộ tịch", 0, 1, "full", 2.0),
    ("xa", "", "Đăng ký kết hôn", "G11-HT01", "Hộ tịch", 0, 1, "partial", 2.0),
    ("xa", "", "Cấp bản sao Trích lục hộ tịch", "G11-HT01", "Hộ tịch", 8000, 1, "full", 3.0),
    ("xa", "", "Cấp Giấy xác nhận tình trạng hôn nhân", "G11-HT01", "Hộ tịch", 0, 3, "full", 4.0),
    ("xa", "", "Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế "
     "cho trẻ em dưới 6 tuổi", "G11-HT01", "Hộ tịch", 0, 5, "full", 2.0),
    ("xa", "", "Đăng ký giám hộ", "G11-HT01", "Hộ tịch", 0, 3, "partial", 0.2),
    ("xa", "", "Đăng ký nhận cha, mẹ, con", "G11-HT01", "Hộ tịch", 0, 3, "partial", 0.3),
    ("xa", "", "Thay đổi, cải chính, bổ sung thông tin hộ tịch", "G11-HT01", "Hộ tịch", 10000, 3, "partial", 1.0),
    ("xa", "", "Xét hưởng chính sách hỗ trợ đối với đối tượng sinh con đúng chính sách dân số", "G11-DS01",
     "Dân số", 0, 10, "partial", 0.3),
]


@dataclass(frozen=True)
class Procedure:
    idx: int
    level: str  # tinh | huyen | xa
    dept: str  # department code suffix for tinh procedures
    code: str
    name: str
    field_code: str
    field_name: str
    fee: int
    days: int
    online: str  # full | partial | none
    weight: float


def stable_hash(*parts: object) -> int:
    """A 64-bit hash that does not depend on PYTHONHASHSEED."""
    h = hashlib.blake2b("\x1f".join(str(p) for p in parts).encode(), digest_size=8).digest()
    return int.from_bytes(h, "big")


@lru_cache(maxsize=1)
def procedures() -> tuple[Procedure, ...]:
    out: list[Procedure] = []
    used: set[str] = set()
    for i, (level, dept, name, fcode, fname, fee, days, online, w) in enumerate(_P):
        if level == "xa" and name.startswith("Chứng thực bản sao từ bản chính"):
            code = "2.000815"
        else:
            h = stable_hash("procedure", name)
            while True:
                code = f"{1 + h % 2}.{(h >> 8) % 12000:06d}"
                if code not in used and code != "2.000815":
                    break
                h = stable_hash("procedure", name, h)
        used.add(code)
        out.append(Procedure(i, level, dept, code, name, fcode, fname, fee, days, online, w))
    return tuple(out)


# --------------------------------------------------------------------------------------------------------
# fake people (for the personal-data columns the parser must drop)
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Lý", "Nông", "Lục", "Hà", "Triệu", "Đàm", "Lương", "Mã", "Thạch", "Sơn"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Kim", "Xuân", "Hồng",
          "Gia", "Bảo", "Anh", "Thị Thu", "Văn Hải", "Đình", "Công", "Mạnh"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
         "Huy", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngọc", "Nhung", "Phong",
         "Phương", "Quân", "Quỳnh", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Trang", "Trung", "Tuấn", "Tú",
         "Uyên", "Vân", "Việt", "Yến", "Đạt", "Đông", "Oanh", "Lộc", "Thơ"]
STREETS = ["Tổ 1", "Tổ 3", "Tổ 7", "Xóm Nà Rị", "Thôn Bản Chang", "Ấp Thạnh Lợi", "Khu phố 2", "Xóm 5",
           "Thôn Đông", "Ấp Mỹ Phước", "Khối 4", "Bản Nà Pồng", "Đường Lê Lợi", "Đường Trần Hưng Đạo",
           "Đường Nguyễn Trãi", "Đường 30 tháng 4", "Đường Hùng Vương", "Đường Quang Trung"]

DOC_TYPES: list[tuple[str, str]] = [
    ("Công văn", ""), ("Quyết định", "QĐ"), ("Tờ trình", "TTr"), ("Báo cáo", "BC"), ("Kế hoạch", "KH"),
    ("Thông báo", "TB"), ("Giấy mời", "GM"), ("Hướng dẫn", "HD"),
]
DOC_SUBJECTS = [
    "V/v triển khai Kế hoạch chuyển đổi số năm {y}",
    "V/v báo cáo kết quả giải quyết thủ tục hành chính tháng {m}",
    "V/v tăng cường thanh toán trực tuyến trên Cổng Dịch vụ công quốc gia",
    "Về việc cử cán bộ tham dự tập huấn kỹ năng số",
    "V/v rà soát, công bố danh mục thủ tục hành chính",
    "V/v đề nghị cung cấp thông tin phục vụ thanh tra",
    "Về việc phê duyệt dự toán kinh phí năm {y}",
    "V/v giải quyết đơn của công dân {name}",
    "V/v xác minh hồ sơ của ông (bà) {name}",
    "Về việc khen thưởng tập thể, cá nhân có thành tích xuất sắc",
    "V/v thực hiện Chỉ số cải cách hành chính (PAR Index) năm {y}",
    "V/v số hóa hồ sơ, kết quả giải quyết thủ tục hành chính",
]
MINISTRIES = [("Văn phòng Chính phủ", "VPCP"), ("Bộ Nội vụ", "BNV"), ("Bộ Tài chính", "BTC"), ("Bộ Công an", "BCA"),
              ("Bộ Khoa học và Công nghệ", "BKHCN"), ("Bộ Tư pháp", "BTP"), ("Bộ Xây dựng", "BXD"), ("Bộ Y tế", "BYT")]


# --------------------------------------------------------------------------------------------------------
# administrative units
@lru_cache(maxsize=1)
def old_districts() -> dict[str, list[str]]:
    """Old province code → district names ("Huyện Ba Bể"), in district-code order."""
    path = paths.shared_reference_dir() / "admin-units" / "units_before_2025-07-01.csv"
    seen: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            seen.setdefault(row["Mã TP"], {})[row["Mã QH"]] = row["Quận Huyện"]
    return {p: [d[k] for k in sorted(d)] for p, d in seen.items()}


@cache
def new_wards(province_code: int) -> list[tuple[str, str]]:
    """(5-digit ward code, name) of a current province, in ward-code order."""
    from vietnam_provinces import Ward

    ws = [(f"{int(w.code):05d}", w.name) for w in Ward.iter_all() if int(w.province_code) == province_code]
    return sorted(ws)


@lru_cache(maxsize=1)
def province_rows() -> list[dict[str, str]]:
    with open(paths.reference_csv("ref_provinces.csv"), encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
