# 票据(原始凭证扫描件)的上传与查看。

receipt-too-large = 文件超过 { $mib } MiB;请以 300 dpi 扫描,或将照片导出为较小的 JPEG。
receipt-too-many-pixels = 图片为 { $width }×{ $height } 像素,超过可接受的 { $megapixels } 百万像素;请以 300 dpi 扫描或缩小照片。
receipt-corrupt = 图片无法读取({ $detail }),文件已损坏或不完整:请重新上传,或打开后另存为 JPEG。
receipt-refused-pdf = 该文件是 PDF 文档,不是 JPEG、PNG、WebP 或 TIFF 图片:请将该页导出为 JPEG 或 PNG 图片后上传。
receipt-refused-gif = 该文件是 GIF 图片,不是 JPEG、PNG、WebP 或 TIFF 图片:请另存为 PNG 后上传。
receipt-refused-bmp = 该文件是 BMP 图片,不是 JPEG、PNG、WebP 或 TIFF 图片:请另存为 PNG 或 JPEG 后上传。
receipt-refused-archive = 该文件是压缩包或办公文档,不是 JPEG、PNG、WebP 或 TIFF 图片:请将该页导出为 JPEG 或 PNG 图片后上传。
receipt-refused-text = 该文件是文本,不是图片:请上传票据的扫描件或照片(JPEG 或 PNG)。
receipt-refused-heic = 该文件是 HEIC/HEIF 照片,不是 JPEG、PNG、WebP 或 TIFF 图片:请将照片导出为 JPEG 后上传(iPhone:设置 › 相机 › 格式 › 兼容性最佳)。
receipt-refused-avif = 该文件是 AVIF 图片,不是 JPEG、PNG、WebP 或 TIFF 图片:请将照片导出为 JPEG 后上传。
receipt-refused-media = 该文件是视频或其他媒体文件,不是图片:请上传票据的扫描件或照片(JPEG 或 PNG)。
receipt-refused-unknown = 无法识别该文件类型,不是图片:请上传票据的扫描件或照片(JPEG 或 PNG)。
receipt-refused-feature = 该图片使用了本服务无法读取的特性({ $feature }):请打开后另存为 JPEG 或 PNG,再上传。
receipt-already-withdrawn = 票据 { $receipt } 已被撤回:{ $reason }
receipt-originals-not-for-villagers = 村民查看的是缩略图和浏览图;原件仅供会计、巡察组成员和管理员查看。
receipt-unknown-size = size 须为 thumb、screen 或 full。
receipt-unexpected-part = 多余的 multipart 部分“{ $part }”:请只发送一个名为 file 的部分。
receipt-no-file-part = 请以名为 file 的 multipart 部分发送扫描件。
