# Receipts (scans of the vouchers' originals): upload and viewing.

receipt-too-large = the file is larger than { $mib } MiB; scan at 300 dpi or export the photo as a smaller JPEG
receipt-too-many-pixels = the image is { $width }×{ $height } pixels, more than the { $megapixels } megapixels accepted; scan at 300 dpi or resize the photo
receipt-corrupt = the image cannot be read ({ $detail }); the file is damaged or incomplete: upload it again, or open it and save it again as JPEG
receipt-refused-pdf = this file is a PDF document, not a JPEG, PNG, WebP or TIFF image: export the page as a JPEG or PNG image and upload that
receipt-refused-gif = this file is a GIF image, not a JPEG, PNG, WebP or TIFF image: save it as PNG and upload that
receipt-refused-bmp = this file is a BMP image, not a JPEG, PNG, WebP or TIFF image: save it as PNG or JPEG and upload that
receipt-refused-archive = this file is an archive or office document, not a JPEG, PNG, WebP or TIFF image: export the page as a JPEG or PNG image and upload that
receipt-refused-text = this file is text, not an image: upload the scan or photo of the receipt as JPEG or PNG
receipt-refused-heic = this file is a HEIC/HEIF photo, not a JPEG, PNG, WebP or TIFF image: export the photo as JPEG (on an iPhone: Settings › Camera › Formats › Most Compatible) and upload that
receipt-refused-avif = this file is an AVIF image, not a JPEG, PNG, WebP or TIFF image: export the photo as JPEG and upload that
receipt-refused-media = this file is a video or other media file, not an image: upload the scan or photo of the receipt as JPEG or PNG
receipt-refused-unknown = this file is not a recognised file type, not an image: upload the scan or photo of the receipt as JPEG or PNG
receipt-refused-feature = this file is an image using a feature this service cannot read ({ $feature }): open it and save it again as JPEG or PNG, then upload that
receipt-already-withdrawn = receipt { $receipt } was already withdrawn: { $reason }
receipt-originals-not-for-villagers = villagers see the renditions; originals are for clerks, inspectors and admins
receipt-unknown-size = size must be thumb, screen or full
receipt-unexpected-part = unexpected multipart part `{ $part }`: send one part named `file` and nothing else
receipt-no-file-part = send the scan as the multipart part named `file`
